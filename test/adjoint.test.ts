/**
 * The adjoint's forward against the kernel engine, its monitors, checkpointing, truncation, the
 * dot-product identity and bad input. (Gradients vs finite differences over the catalogue:
 * adjoint-table.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { AdjointSimulator, type AdjointOptions } from '../src/engine/adjoint/index.js';
import { richardsonDerivative } from '../src/engine/adjoint/fd.js';
import { simulateSync } from '../src/simulation/simulate.js';
import { Connectivity } from '../src/network/connectivity.js';
import { network5 } from './adjoint-helpers.js';
import { getModel, listModels as catalogueModels } from '../src/models/catalogue.js';

// the forward of projection models is compared below, with their edge parameters set
const listModels = () => catalogueModels().filter((m) => !getModel(m).projections);
import type { SimulationConfig } from '../src/simulation/config.js';
import type { MonitorSpec } from '../src/observation/registry.js';
import { HRF_KERNELS } from '../src/observation/bold/hrf.js';
import { validateModelSpec } from '../src/models/spec.js';

const N = 5;
const network = network5;
const couplingFor = (model: string) => (model === 'JansenRit' ? 'SigmoidalJansenRit' : model === 'Hopfield' ? 'PreSigmoidal' : 'Linear');
const DT: Record<string, number> = { KIonEx: 1e-4, ReducedWongWang: 0.5, ReducedWongWangExcInh: 0.5, DecoBalancedExcInh: 0.5, JansenRit: 0.1 };

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return d / Math.max(m, 1e-300);
}

describe('adjoint forward = kernel engine', () => {
  it.each(listModels())('%s, stochastic Heun, delays, 200 steps (1e-12)', (model) => {
    const dt = DT[model] ?? 0.01;
    const cfg: SimulationConfig = {
      model, connectivity: network(dt), coupling: couplingFor(model), integrator: { name: 'Heun', dt, noise: { nsig: 1e-5, seed: 3 } },
      duration: 200 * dt, monitors: [{ name: 'Raw' }, { name: 'TemporalAverage', period: 10 * dt }, { name: 'SubSample', period: 7 * dt }],
      variablesOfInterest: Object.keys(getModel(model).state_variables), initialConditions: { seed: 5 },
    };
    const kernel = simulateSync(cfg);
    const fw = new AdjointSimulator(cfg, { wrt: ['weights'] }).forward();
    fw.outputs.forEach((o, k) => {
      const ref = kernel.monitors[k];
      expect(o.data.length).toBe(ref.data.length);
      expect(maxRel(o.data, ref.data), `${model} ${o.name}`).toBeLessThanOrEqual(1e-12);
      expect(Array.from(o.time)).toEqual(Array.from(ref.time));
    });
  });
});

/** d(Σ bars·outputs)/d(name[k]) by the adjoint and by Richardson FD. */
function gradVsFd(cfg: SimulationConfig, opts: AdjointOptions, checks: [string, number][]) {
  const sim = new AdjointSimulator(cfg, opts);
  const fw = sim.forward();
  const bars = fw.outputs.map((o) => Float64Array.from(o.data, (v, i) => Math.cos(0.3 * i + 0.1) / (1 + Math.abs(v))));
  const g = fw.backward(bars);
  const loss = (vals: Record<string, ArrayLike<number>>) => sim.forward(vals).outputs.reduce((acc, o, k) => acc + o.data.reduce((a, v, i) => a + v * bars[k][i], 0), 0);
  return checks.map(([name, k]) => {
    const v0 = sim.parameterValue(name);
    const fd = richardsonDerivative((x) => { const v = v0.slice(); v[k] = x; return loss({ [name]: v }); }, v0[k], Math.max(0.1, Math.abs(v0[k])));
    sim.setParameters({ [name]: v0 });
    return { name, ad: g[name][k], fd };
  });
}

describe('monitor adjoints', () => {
  const base = (monitors: MonitorSpec[], dt = 0.5, steps = 2400): SimulationConfig => ({
    model: 'ReducedWongWang', connectivity: network(dt), coupling: 'Linear', couplingParameters: { a: 0.3 },
    integrator: { name: 'Heun', dt, noise: { nsig: 1e-5, seed: 11 } }, duration: steps * dt, transient: 100 * dt, monitors,
  });
  const cases: [string, MonitorSpec[]][] = [
    // DoubleExponential is normalised to its peak over the grid: it needs the default 20 s support
    ...HRF_KERNELS.map((k) => [`Bold ${k}`, [{ name: 'Bold', period: 100, hrfKernel: k, hrfLength: k === 'DoubleExponential' ? 20000 : 400 }]] as [string, MonitorSpec[]]),
    ['BalloonWindkessel (dtBw = dt)', [{ name: 'BalloonWindkessel', period: 100, dtBw: 0.5 }]],
    ['BalloonWindkessel (substeps)', [{ name: 'BalloonWindkessel', period: 100, dtBw: 0.25 }]],
    ['TemporalAverage + SubSample', [{ name: 'TemporalAverage', period: 20 }, { name: 'SubSample', period: 15 }]],
  ];
  it.each(cases)('%s: forward = kernel engine, gradient = FD', (_name, monitors) => {
    const cfg = base(monitors);
    const kernel = simulateSync(cfg);
    const sim = new AdjointSimulator(cfg, { wrt: ['w'] });
    sim.forward().outputs.forEach((o, k) => expect(maxRel(o.data, kernel.monitors[k].data), o.name).toBeLessThanOrEqual(1e-12));
    for (const r of gradVsFd(cfg, { wrt: ['w', 'coupling.a', 'weights'], perNode: ['w'] }, [['w', 2], ['coupling.a', 0], ['weights', 7]])) {
      expect(Math.abs(r.ad - r.fd.value), `${r.name}: ${r.ad} vs ${r.fd.value} ± ${r.fd.error}`).toBeLessThanOrEqual(1e-6 * Math.abs(r.fd.value) + 2 * r.fd.error);
      expect(r.fd.error).toBeLessThanOrEqual(1e-4 * Math.abs(r.fd.value));
    }
  });
});

describe('plain weighted sums (Linear coupling): the unrolled gather and scatter, JavaScript and WebAssembly', () => {
  const cfg = (steps: number): SimulationConfig => ({
    model: 'ReducedWongWang', connectivity: network(0.5), coupling: 'Linear', couplingParameters: { a: 0.3 },
    integrator: { name: 'Heun', dt: 0.5, noise: { nsig: 1e-5, seed: 11 } }, duration: steps * 0.5, monitors: [{ name: 'TemporalAverage', period: 5 }],
  });
  it.each(['integer', 'linear'] as const)('%s delays: w per node, coupling.a (and speed) = Richardson FD; checkpointed (sliding cotangent window) = whole bitwise', (delays) => {
    const wrt = ['w', 'coupling.a', ...(delays === 'linear' ? ['speed'] : [])];
    const checks: [string, number][] = [['w', 3], ['coupling.a', 0], ...(delays === 'linear' ? [['speed', 0] as [string, number]] : [])];
    for (const r of gradVsFd(cfg(400), { wrt, perNode: ['w'], delays }, checks)) {
      expect(Math.abs(r.ad - r.fd.value), `${r.name}: ${r.ad} vs ${r.fd.value} ± ${r.fd.error}`).toBeLessThanOrEqual(1e-6 * Math.abs(r.fd.value) + 2 * r.fd.error);
      expect(r.fd.error).toBeLessThanOrEqual(1e-4 * Math.abs(r.fd.value));
    }
    const grad = (checkpoint?: number) => {
      const sim = new AdjointSimulator(cfg(3000), { wrt, perNode: ['w'], delays, checkpoint });
      const fw = sim.forward();
      return fw.backward(fw.outputs.map((o) => Float64Array.from(o.data, (_, i) => Math.cos(i))));
    };
    const whole = grad(), ck = grad(1300);
    for (const n of wrt) expect(Array.from(ck[n]), n).toEqual(Array.from(whole[n]));
  });
  it.each([
    ['integer', ['w', 'coupling.a']], ['integer', ['w', 'coupling.a', 'weights']],
    ['linear', ['w', 'coupling.a', 'speed']], ['linear', ['w', 'coupling.a', 'speed', 'weights']], ['linear', ['weights']],
  ] as const)('%s delays, d/d %j: the WebAssembly gather and scatter give the generated JavaScript\'s outputs and gradients bitwise', (delays, wrtIn) => {
    const wrt = [...wrtIn];
    const run = (wasm: boolean) => {
      const sim = new AdjointSimulator(cfg(1200), { wrt, perNode: ['w'], delays, checkpoint: 500, wasm });
      const fw = sim.forward();
      return { out: fw.outputs[0].data, g: fw.backward(fw.outputs.map((o) => Float64Array.from(o.data, (_, i) => Math.cos(i)))) };
    };
    const js = run(false), wa = run(true);
    expect(Array.from(wa.out)).toEqual(Array.from(js.out));
    for (const n of wrt) {
      expect(js.g[n].some((v) => v !== 0), n).toBe(true);
      expect(Array.from(wa.g[n]), n).toEqual(Array.from(js.g[n]));
    }
  });
});

describe('stimuli', () => {
  it.each(['Euler', 'Heun', 'RK4'] as const)('%s: a region stimulus (expression and equation) is in the forward and the gradient', (integrator) => {
    for (const temporal of [{ expression: 'sin(0.3 * t) + 0.5' }, { equation: 'PulseTrain', parameters: { T: 2, tau: 0.7, amp: 0.4, onset: 1.1 } }]) {
      const cfg: SimulationConfig = {
        model: 'Generic2dOscillator', connectivity: network(0.05), coupling: 'Linear', couplingParameters: { a: 0.1 },
        integrator: { name: integrator, dt: 0.05, noise: { nsig: 1e-5, seed: 4 } }, duration: 10, monitors: [{ name: 'Raw' }],
        stimulus: { weights: [0.5, 0, 1, 0.2, 0], temporal },
      };
      const kernel = simulateSync(cfg);
      const sim = new AdjointSimulator(cfg, { wrt: ['I'] });
      expect(maxRel(sim.forward().outputs[0].data, kernel.monitors[0].data)).toBeLessThanOrEqual(1e-12);
      // the stimulus changes the run (so the comparison sees it)
      expect(maxRel(simulateSync({ ...cfg, stimulus: undefined }).monitors[0].data, kernel.monitors[0].data)).toBeGreaterThan(1e-3);
      for (const r of gradVsFd(cfg, { wrt: ['I', 'coupling.a', 'weights'], perNode: ['I'] }, [['I', 2], ['coupling.a', 0], ['weights', 7]])) {
        expect(Math.abs(r.ad - r.fd.value), `${r.name}: ${r.ad} vs ${r.fd.value} ± ${r.fd.error}`).toBeLessThanOrEqual(1e-6 * Math.abs(r.fd.value) + 2 * r.fd.error);
        expect(r.fd.error).toBeLessThanOrEqual(1e-4 * Math.abs(r.fd.value));
      }
    }
  });
});

describe('checkpointing, truncation, dot product', () => {
  const cfg = (extra: Partial<SimulationConfig> = {}): SimulationConfig => ({
    model: 'Generic2dOscillator', connectivity: network(0.05), coupling: 'Linear', couplingParameters: { a: 0.1 },
    integrator: { name: 'RK4', dt: 0.05, noise: { nsig: 1e-4, seed: 9, ntau: 0.2 } }, duration: 10, transient: 1,
    monitors: [{ name: 'TemporalAverage', period: 0.5 }, { name: 'BalloonWindkessel', period: 2, dtBw: 0.05 }], ...extra,
  });
  const wrt = ['a', 'coupling.a', 'weights', 'speed'];
  const run = (opts: Partial<AdjointOptions>) => {
    const sim = new AdjointSimulator(cfg(), { wrt, perNode: ['a'], delays: 'linear', ...opts });
    const fw = sim.forward();
    const bars = fw.outputs.map((o) => Float64Array.from(o.data, (_, i) => Math.sin(i)));
    return { sim, out: fw.outputs, g: fw.backward(bars) };
  };

  it('the checkpointed gradient equals the stored-trajectory gradient bitwise (coloured noise, linear delays, Balloon)', () => {
    const whole = run({});
    expect(whole.sim.segments).toBe(1);
    for (const K of [1, 7, 64]) {
      const ck = run({ checkpoint: K });
      expect(ck.sim.segments).toBeGreaterThan(1);
      ck.out.forEach((o, k) => expect(Array.from(o.data)).toEqual(Array.from(whole.out[k].data)));
      for (const n of wrt) expect(Array.from(ck.g[n]), `${n} K=${K}`).toEqual(Array.from(whole.g[n]));
    }
  });

  it('long segments: the sliding cotangent window (1024 + history slots) gives the stored-trajectory gradient bitwise', () => {
    const long = (checkpoint?: number) => {
      const sim = new AdjointSimulator(cfg({ duration: 160, integrator: { name: 'Heun', dt: 0.05, noise: { nsig: 1e-4, seed: 9 } } }), { wrt, perNode: ['a'], delays: 'linear', checkpoint });
      const fw = sim.forward();
      return { sim, g: fw.backward(fw.outputs.map((o) => Float64Array.from(o.data, (_, i) => Math.sin(i)))) };
    };
    const whole = long();
    expect(whole.sim.segments).toBe(1);
    expect(whole.sim.K).toBeGreaterThan(3000);
    for (const K of [1500, 2100]) {
      const ck = long(K);
      expect(ck.sim.segments).toBeGreaterThan(1);
      for (const n of wrt) expect(Array.from(ck.g[n]), `${n} K=${K}`).toEqual(Array.from(whole.g[n]));
    }
  });

  it('a memory budget picks the segment length; one too small for a segment is refused before any work', () => {
    const need = run({}).sim.memoryBytes;
    const small = run({ memoryBudget: Math.round(need * 0.6) });
    expect(small.sim.segments).toBeGreaterThan(1);
    expect(small.sim.memoryBytes).toBeLessThanOrEqual(need * 0.6);
    expect(Array.from(small.g.weights)).toEqual(Array.from(run({}).g.weights));
    expect(() => new AdjointSimulator(cfg(), { wrt: ['a'], memoryBudget: 2000 })).toThrow(/memory budget 0\.002 MB is too small for one segment: this run needs at least/);
  });

  it('dot product: ⟨J v, u⟩ (FD along v) = ⟨v, Jᵀ u⟩ (adjoint) over all parameters at once', () => {
    const { sim, out, g } = run({});
    const bars = out.map((o) => Float64Array.from(o.data, (_, i) => Math.sin(i)));
    const v0: Record<string, Float64Array> = {}, dir: Record<string, Float64Array> = {};
    let vJu = 0;
    for (const n of wrt) {
      v0[n] = sim.parameterValue(n);
      dir[n] = Float64Array.from(v0[n], (x, i) => (x === 0 && n === 'weights' ? 0 : Math.cos(1.7 * i + n.length) * Math.max(Math.abs(x), 0.1)));
      vJu += dir[n].reduce((a, d, i) => a + d * g[n][i], 0);
    }
    const loss = (eps: number) => {
      const vals: Record<string, Float64Array> = {};
      for (const n of wrt) vals[n] = Float64Array.from(v0[n], (x, i) => x + eps * dir[n][i]);
      return sim.forward(vals).outputs.reduce((acc, o, k) => acc + o.data.reduce((a, v, i) => a + v * bars[k][i], 0), 0);
    };
    const Jvu = richardsonDerivative(loss, 0, 1);
    expect(Math.abs(Jvu.value - vJu)).toBeLessThanOrEqual(1e-6 * Math.abs(vJu) + 2 * Jvu.error);
    expect(Jvu.error).toBeLessThanOrEqual(1e-6 * Math.abs(vJu));
  });

  it('truncated backpropagation: d x_T / d gamma of the uncoupled Linear model is the closed form of the last window', () => {
    const dt = 0.1, gamma = -0.3, x0 = 1.5, T = 50, W = 12;
    const c: SimulationConfig = {
      model: 'Linear', parameters: { gamma }, connectivity: new Connectivity({ weights: new Float64Array(4), tractLengths: new Float64Array(4) }),
      integrator: { name: 'Euler', dt }, duration: T * dt, initialConditions: { history: [x0, x0] }, monitors: [{ name: 'Raw' }],
    };
    const q = 1 + dt * gamma;
    for (const [trunc, n] of [[undefined, T], [W, T - W * Math.floor((T - 1) / W)]] as const) {
      const sim = new AdjointSimulator(c, { wrt: ['gamma'], truncate: trunc });
      const fw = sim.forward();
      const bars = new Float64Array(fw.outputs[0].data.length);
      bars[bars.length - 2] = 1; // x_T of node 0
      const g = fw.backward([bars]).gamma[0];
      expect(g, `truncate ${trunc}`).toBeCloseTo(n * dt * q ** (T - 1) * x0, 12);
    }
  });
});

describe('adjoint: bad input is refused before any work', () => {
  const c: SimulationConfig = { model: 'Generic2dOscillator', connectivity: network(0.1), integrator: { name: 'Heun', dt: 0.1 }, duration: 5 };
  it('unknown parameter names, shapes, speed without linear delays, options', () => {
    expect(() => new AdjointSimulator(c, { wrt: ['nope'] })).toThrow(/unknown parameter 'nope'; expected one of: tau, .*coupling\.a.*weights/);
    expect(() => new AdjointSimulator(c, { wrt: ['speed'] })).toThrow(/speed is differentiable with delays: 'linear'/);
    const sim = new AdjointSimulator(c, { wrt: ['weights'] });
    expect(() => sim.forward({ weights: [1, 2, 3] })).toThrow(/parameter 'weights' has 3 values; expected 25 \(matrix 5×5\)/);
    expect(() => sim.forward({ tau: [1, 2] })).toThrow(/parameter 'tau' has 2 values; expected 1 \(scalar\)/);
    expect(() => sim.forward({ tau: [NaN] })).toThrow(/not finite/);
    expect(() => new AdjointSimulator(c, { wrt: ['tau'], checkpoint: 0 })).toThrow(/checkpoint: expected a positive integer/);
    expect(() => new AdjointSimulator(c, { wrt: ['tau'], wasm: 'yes' as unknown as boolean })).toThrow(/adjoint option wasm: expected true or false, got "yes"/);
    expect(() => new AdjointSimulator({ ...c, monitors: [{ name: 'GlobalAverage', period: 1 }] }, { wrt: ['tau'] })).toThrow(/monitor 'GlobalAverage' is not differentiated; expected one of: Raw, SubSample, TemporalAverage, Bold, BalloonWindkessel/);
    const fw = sim.forward();
    expect(() => fw.backward([])).toThrow(/one cotangent array per monitor \(1\), got 0/);
    expect(() => fw.backward([new Float64Array(3)])).toThrow(/has 3 values; expected/);
  });
});

/** Two projections with their own source, pre, post (reading per-node k) and edge parameters; delays. */
const TWO = validateModelSpec({
  name: 'TwoProjectionsAdjoint',
  parameters: { k: { default: 0.5 }, g: { default: -2 } },
  edge_parameters: { e: { default: 1 }, f: { default: 1 } },
  projections: [
    { source: 'x', weights: 'e' },
    { source: 'x - y', pre: 'tanh(x_j)', post: 'k * gx + 0.1', weights: 'f' },
  ],
  state_variables: {
    x: { equation: 'g * x + c_0', range: [-1, 1] },
    y: { equation: 'g * y + sin(c_1)', range: [-1, 1] },
  },
  cvar: ['x', 'y'],
  variables_of_interest: ['x', 'y'],
}, 'TwoProjectionsAdjoint');

describe('adjoint on projection models (several coupling channels, per-edge parameters, delays)', () => {
  const edge = (s: number) => Float64Array.from({ length: N * N }, (_, q) => 0.6 + 0.3 * Math.sin(s * q + 1));
  const eib = (integrator: 'Euler' | 'Heun' | 'RK4', extra: Partial<SimulationConfig> = {}): SimulationConfig => ({
    model: 'ReducedWongWangEIB', connectivity: network(1), edgeParameters: { wLRE: edge(1), wFFI: edge(2) },
    parameters: { G: 2.5, J_i: [0.9, 1, 1.1, 0.95, 1.05] },
    integrator: { name: integrator, dt: 1, noise: { nsig: [1e-4, 1e-5], seed: 7 } }, duration: 200, initialConditions: { seed: 2 },
    monitors: [{ name: 'Raw' }, { name: 'TemporalAverage', period: 10 }], ...extra,
  });
  const two = (integrator: 'Euler' | 'Heun' | 'RK4'): SimulationConfig => ({
    model: TWO, connectivity: network(0.1), edgeParameters: { e: edge(3), f: edge(4) }, parameters: { k: [0.4, 0.5, 0.6, 0.7, 0.3] },
    integrator: { name: integrator, dt: 0.1, noise: { nsig: 1e-4, seed: 5 } }, duration: 20, initialConditions: { seed: 3 },
    monitors: [{ name: 'Raw' }, { name: 'SubSample', period: 0.7 }],
  });

  it.each(['Euler', 'Heun', 'RK4'] as const)('%s: forward = kernel engine (1e-12), ReducedWongWangEIB and a two-projection model with pre/post', (integ) => {
    // noise on named rows only (S_e), white and coloured: the adjoint draws as the kernel does
    const rowsNoise = (ntau?: number) => eib(integ, { integrator: { name: integ, dt: 1, noise: { nsig: [1e-4, 0], variables: ['S_e'], seed: 7, ...(ntau ? { ntau } : {}) } } });
    for (const cfg of [eib(integ), two(integ), rowsNoise(), rowsNoise(3)]) {
      const kernel = simulateSync(cfg);
      const fw = new AdjointSimulator(cfg, { wrt: ['weights'] }).forward();
      fw.outputs.forEach((o, k) => expect(maxRel(o.data, kernel.monitors[k].data), `${String(cfg.model)} ${o.name}`).toBeLessThanOrEqual(1e-12));
    }
  });

  const close = (rs: ReturnType<typeof gradVsFd>) => {
    for (const r of rs) {
      expect(Math.abs(r.ad - r.fd.value), `${r.name}: ${r.ad} vs ${r.fd.value} ± ${r.fd.error}`).toBeLessThanOrEqual(1e-6 * Math.abs(r.fd.value) + 2 * r.fd.error);
      expect(r.fd.error, r.name).toBeLessThanOrEqual(1e-4 * Math.abs(r.fd.value));
    }
  };
  it.each(['Euler', 'Heun', 'RK4'] as const)('%s: ReducedWongWangEIB gradients (wLRE, wFFI per edge, J_i per node, G and lamda global, weights) = Richardson FD', (integ) => {
    close(gradVsFd(eib(integ), { wrt: ['wLRE', 'wFFI', 'J_i', 'G', 'lamda', 'weights'] },
      [['wLRE', 1], ['wLRE', 13], ['wFFI', 7], ['wFFI', 21], ['J_i', 2], ['G', 0], ['lamda', 0], ['weights', 8]]));
  });
  it('ReducedWongWangEIB with linear delays: d/d speed and per-edge gradients = FD', () => {
    close(gradVsFd(eib('Heun'), { wrt: ['wLRE', 'wFFI', 'speed', 'J_N'], delays: 'linear' }, [['wLRE', 3], ['wFFI', 11], ['speed', 0], ['J_N', 0]]));
  });
  it.each(['Euler', 'RK4'] as const)('%s: two-projection model (source x − y, pre tanh, post k·gx per node): e, f, k, g, weights = FD', (integ) => {
    close(gradVsFd(two(integ), { wrt: ['e', 'f', 'k', 'g', 'weights'] }, [['e', 1], ['e', 17], ['f', 6], ['f', 23], ['k', 3], ['g', 0], ['weights', 12]]));
  });

  it('checkpointed = stored-trajectory gradient bitwise; dot product ⟨Jv, u⟩ = ⟨v, Jᵀu⟩ over wLRE, wFFI, J_i, G', () => {
    const wrt = ['wLRE', 'wFFI', 'J_i', 'G'];
    const run = (checkpoint?: number) => {
      const sim = new AdjointSimulator(eib('Heun'), { wrt, checkpoint });
      const fw = sim.forward();
      const bars = fw.outputs.map((o) => Float64Array.from(o.data, (_, i) => Math.sin(i)));
      return { sim, bars, g: fw.backward(bars) };
    };
    const whole = run();
    // a second forward/backward of the same simulator starts its cotangents from zero
    const again = whole.sim.forward().backward(whole.bars);
    for (const n of wrt) expect(Array.from(again[n]), `${n} again`).toEqual(Array.from(whole.g[n]));
    for (const K of [1, 37]) {
      const ck = run(K);
      for (const n of wrt) expect(Array.from(ck.g[n]), `${n} K=${K}`).toEqual(Array.from(whole.g[n]));
    }
    const { sim, bars, g } = whole;
    const v0: Record<string, Float64Array> = {}, dir: Record<string, Float64Array> = {};
    let vJu = 0;
    for (const n of wrt) {
      v0[n] = sim.parameterValue(n);
      dir[n] = Float64Array.from(v0[n], (x, i) => Math.cos(1.7 * i + n.length) * 0.1 * Math.max(Math.abs(x), 0.1));
      vJu += dir[n].reduce((a, d, i) => a + d * g[n][i], 0);
    }
    const loss = (eps: number) => {
      const vals: Record<string, Float64Array> = {};
      for (const n of wrt) vals[n] = Float64Array.from(v0[n], (x, i) => x + eps * dir[n][i]);
      return sim.forward(vals).outputs.reduce((acc, o, k) => acc + o.data.reduce((a, v, i) => a + v * bars[k][i], 0), 0);
    };
    const Jvu = richardsonDerivative(loss, 0, 1);
    expect(Math.abs(Jvu.value - vJu)).toBeLessThanOrEqual(1e-6 * Math.abs(vJu) + 2 * Jvu.error);
    expect(Jvu.error).toBeLessThanOrEqual(1e-6 * Math.abs(vJu));
  });

  it('no delays: per-edge gradients as blocked products = the per-link sums (1e-12) and Richardson FD; checkpointed (K multiple of 128) = whole bitwise', () => {
    const flat = eib('Heun', { connectivity: new Connectivity({ weights: network(1).weights, tractLengths: new Float64Array(N * N) }), duration: 700 });
    const wrt = ['wLRE', 'wFFI', 'J_i'];
    const grad = (opts: Partial<AdjointOptions> = {}) => {
      const sim = new AdjointSimulator(flat, { wrt, ...opts });
      const fw = sim.forward();
      return fw.backward(fw.outputs.map((o) => Float64Array.from(o.data, (_, i) => Math.sin(0.3 * i))));
    };
    const whole = grad();
    // zero tract lengths with linear delays: the same run (weights of 0 on the older slot) through the per-link sums
    const perLink = grad({ delays: 'linear' });
    for (const n of wrt) expect(maxRel(whole[n], perLink[n]), n).toBeLessThanOrEqual(1e-12);
    for (const K of [128, 384]) {
      const ck = grad({ checkpoint: K });
      for (const n of wrt) expect(Array.from(ck[n]), `${n} K=${K}`).toEqual(Array.from(whole[n]));
    }
    close(gradVsFd(flat, { wrt }, [['wLRE', 1], ['wLRE', 13], ['wFFI', 7], ['J_i', 2]]));
  });

  it('per-edge parameters: layout N×N, values, shape errors; layouts refuses them', () => {
    const sim = new AdjointSimulator(eib('Heun'), { wrt: ['wLRE'] });
    expect(sim.parameterLayout('wLRE')).toEqual({ kind: 'matrix', length: 25 });
    expect(Array.from(sim.parameterValue('wFFI'))).toEqual(Array.from(edge(2)));
    expect(() => sim.forward({ wLRE: [1, 2] })).toThrow(/parameter 'wLRE' has 2 values; expected 25 \(matrix 5×5\)/);
    expect(() => new AdjointSimulator(eib('Heun'), { wrt: ['wLRE'], layouts: { wLRE: 'node' } })).toThrow(/layouts: unknown parameter 'wLRE'/);
    expect(() => new AdjointSimulator(eib('Heun'), { wrt: ['coupling.a'] })).toThrow(/unknown parameter 'coupling.a'; expected one of: .*wLRE, wFFI, weights/);
  });
});
