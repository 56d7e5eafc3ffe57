/** The WebAssembly SIMD kernels against the JavaScript kernel program they replace. */
import { describe, expect, it } from 'vitest';
import { simulate, simulateSync } from '../src/simulation/simulate.js';
import type { SimulationConfig } from '../src/simulation/config.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { listModels, getModel } from '../src/models/catalogue.js';
import { wasmMath } from '../src/engine/wasm/kernel.js';
import { RandomState } from '../src/random/index.js';

/** Largest |a − b| relative to the largest |b|, over all monitors. */
function relDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / (m || 1);
}

function both(cfg: SimulationConfig) {
  const w = simulateSync({ ...cfg, kernel: 'wasm' });
  const j = simulateSync({ ...cfg, kernel: 'js' });
  return { w, j, diff: Math.max(...w.monitors.map((m, k) => relDiff(m.data, j.monitors[k].data))) };
}

// odd node count: the last node goes through the single-lane tail of each vector loop
const conn = syntheticConnectome({ nodes: 7, seed: 3 }).withSpeed(2);
// short delays (tens of steps at dt 0.01) keep the per-model runs cheap
const fast = conn.withSpeed(200);

describe('wasm kernel', () => {
  it('exp: within 4e-16 of Math.exp over the normal range; overflow, underflow, ±Infinity and NaN as Math.exp', () => {
    const rng = new RandomState(5);
    const x = new Float64Array(20000);
    rng.fillUniformAt(x, 0, x.length, -708, 709.7);
    const y = wasmMath('exp', x);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(y[i] / Math.exp(x[i]) - 1));
    expect(worst).toBeLessThan(4e-16);
    const special = Float64Array.of(0, 1, -1, 710, -746, Infinity, -Infinity, NaN, 1e-300, -1e-300);
    const ys = wasmMath('exp', special);
    special.forEach((v, i) => {
      if (Number.isNaN(v)) expect(ys[i]).toBeNaN();
      else if (!Number.isFinite(Math.exp(v)) || Math.exp(v) === 0 || Math.exp(v) === 1) expect(ys[i]).toBe(Math.exp(v));
      else expect(Math.abs(ys[i] / Math.exp(v) - 1)).toBeLessThan(4e-16);
    });
  });

  it('tanh, log, sin, cos: within a few ulps of Math over wide ranges; special values as Math', () => {
    const rng = new RandomState(9);
    const cases: [('tanh' | 'log' | 'sin' | 'cos'), number, number, number][] = [
      // function, lo, hi, allowed relative error (sin/cos: absolute, their values cross 0)
      ['tanh', -25, 25, 1e-15], ['tanh', -1e-3, 1e-3, 1e-15],
      ['log', 1e-300, 1e300, 5e-16], ['log', 0.5, 2, 5e-16], ['log', 1e-320, 1e-308, 5e-16],
      ['sin', -300, 300, 5e-16], ['cos', -300, 300, 5e-16], ['sin', -1, 1, 5e-16],
    ];
    for (const [fn, lo, hi, tol] of cases) {
      const x = new Float64Array(20000);
      if (fn === 'log' && hi / lo > 1e6) for (let i = 0; i < x.length; i++) x[i] = Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * rng.randomSample());
      else rng.fillUniformAt(x, 0, x.length, lo, hi);
      const y = wasmMath(fn, x);
      let worst = 0;
      for (let i = 0; i < x.length; i++) {
        const ref = Math[fn](x[i]);
        const err = fn === 'sin' || fn === 'cos' ? Math.abs(y[i] - ref) : Math.abs(y[i] / ref - 1);
        worst = Math.max(worst, err);
      }
      expect(worst, `${fn} on [${lo}, ${hi}]`).toBeLessThan(tol * (fn === 'sin' || fn === 'cos' ? 1 : 1));
    }
    const special = Float64Array.of(0, -0, Infinity, -Infinity, NaN, -1, 1);
    for (const fn of ['tanh', 'log', 'sin', 'cos'] as const) {
      const y = wasmMath(fn, special);
      special.forEach((v, i) => expect(Object.is(y[i], Math[fn](v)) || Math.abs(y[i] - Math[fn](v)) < 1e-15, `${fn}(${v}) = ${y[i]}, Math: ${Math[fn](v)}`).toBe(true));
    }
  });

  it('every catalogue model it covers gives the JS kernel result (Heun, delays, 100 steps)', () => {
    const covered: string[] = [];
    for (const model of listModels()) {
      const own = !!getModel(model).projections; // models with projections bring their own coupling (and run in the JS kernel)
      const cfg: SimulationConfig = { model, connectivity: fast, ...(own ? {} : { coupling: 'Linear', couplingParameters: { a: 0.01 } }), integrator: { name: 'Heun', dt: 0.01 }, duration: 1, initialConditions: { seed: 2 }, monitors: [{ name: 'Raw' }] };
      let js: Error | null = null;
      try { simulateSync({ ...cfg, kernel: 'js' }); } catch (e) { js = e as Error; }
      if (js) {
        // a run that diverges must diverge the same way
        expect(() => simulateSync({ ...cfg, kernel: 'wasm' }), model).toThrow(js.message);
        continue;
      }
      const { w, j, diff } = both(cfg);
      expect(j.info.kernel).toBe('js');
      if (w.info.kernel !== 'wasm') continue;
      covered.push(model);
      expect(diff, model).toBeLessThan(1e-11);
    }
    // the models named in the issues (S1 JansenRit, the gradient set) must stay on the fast path
    for (const m of ['JansenRit', 'ReducedWongWang', 'Generic2dOscillator', 'MontbrioPazoRoxin', 'ReducedWongWangExcInh', 'Epileptor', 'WilsonCowan', 'SupHopf', 'Kuramoto', 'LarterBreakspear', 'KIonEx']) expect(covered).toContain(m);
    expect(covered.length).toBeGreaterThanOrEqual(22);
  }, 30_000);

  it('Euler and RK4, additive and multiplicative noise, per-node and per-batch parameters, float32 history, S1 coupling', () => {
    const cases: SimulationConfig[] = [
      { model: 'JansenRit', connectivity: conn, coupling: 'SigmoidalJansenRit', couplingParameters: { a: 10 }, integrator: { name: 'RK4', dt: 0.05 }, duration: 10, monitors: [{ name: 'TemporalAverage', period: 1 }, { name: 'SubSample', period: 0.5 }] },
      { model: 'Generic2dOscillator', connectivity: conn, coupling: 'Linear', integrator: { name: 'Euler', dt: 0.1, noise: { nsig: 0.01, seed: 4 } }, duration: 20, parameters: { a: [-0.5, -0.4, -0.3, -0.2, -0.1, 0, 0.1] } },
      { model: 'ReducedWongWang', connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.3 }, integrator: { name: 'Heun', dt: 0.5, noise: { nsig: 1e-4, kind: 'multiplicative', a: 1, b: 0.1 } }, duration: 50, monitors: [{ name: 'Raw' }, { name: 'Bold', period: 10 }] },
      { model: 'JansenRit', connectivity: conn, coupling: 'SigmoidalJansenRit', integrator: { name: 'Heun', dt: 2 ** -4 }, duration: 5, historyPrecision: 'float32', batch: { 'coupling.a': [1, 5, 10] } },
      { model: 'ReducedWongWangExcInh', connectivity: conn, coupling: 'Linear', integrator: { name: 'Heun', dt: 0.1 }, duration: 10, batch: { 'model.J_i': [[1, 1.1, 1.2, 0.9, 1, 1, 1], [0.8, 1, 1, 1, 1, 1, 1.3]] } },
      // couplings whose per-link term reads x_i gather from the program's own history
      { model: 'Generic2dOscillator', connectivity: conn, coupling: 'Difference', integrator: { name: 'Heun', dt: 0.1 }, duration: 20, batch: { 'coupling.a': [0.01, 0.05] } },
      { model: 'Kuramoto', connectivity: conn, coupling: 'Kuramoto', couplingParameters: { a: 0.5 }, integrator: { name: 'RK4', dt: 0.1, noise: { nsig: 1e-3, seed: 3 } }, duration: 20 },
    ];
    for (const c of cases) {
      const { w, diff } = both(c);
      expect(w.info.kernel).toBe('wasm');
      expect(diff).toBeLessThan(1e-11);
    }
  });

  it('batches spread over worker threads compile the module there and give the single-thread result', async () => {
    const cfg: SimulationConfig = { model: 'JansenRit', connectivity: conn, coupling: 'SigmoidalJansenRit', integrator: { name: 'Heun', dt: 2 ** -4 }, duration: 5, batch: { 'coupling.a': [1, 2, 3, 4] } };
    const threaded = await simulate({ ...cfg, threads: 2 });
    const one = simulateSync({ ...cfg, kernel: 'js' });
    expect(threaded.info.kernel).toBe('wasm');
    expect(relDiff(threaded.monitors[0].data, one.monitors[0].data)).toBeLessThan(1e-11);
    expect(relDiff(threaded.info.finalState, one.info.finalState)).toBeLessThan(1e-11);
  });

  it('a model outside its coverage (erfc) runs on the JS kernel', () => {
    const r = simulateSync({ model: 'ZerlautAdaptationFirstOrder', connectivity: conn, coupling: 'Linear', integrator: { name: 'Heun', dt: 0.1 }, duration: 1 });
    expect(r.info.kernel).toBe('js');
  });

  it('divergence in a wasm step is reported with the step, node and variable', () => {
    expect(() => simulateSync({ model: 'Linear', connectivity: conn, coupling: 'Linear', parameters: { gamma: 50 }, integrator: { name: 'Euler', dt: 1 }, duration: 400, initialConditions: { seed: 1 } })).toThrow(/diverged at step \d+.*node \d+/);
  });
});
