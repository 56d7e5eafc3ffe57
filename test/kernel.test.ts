/** The generated kernel against closed forms, the model interpreter, and its own batched/threaded forms. */
import { describe, expect, it } from 'vitest';
import { simulate, simulateSync, prepare } from '../src/simulation/simulate.js';
import { DivergenceError } from '../src/results/simulation.js';
import { Connectivity } from '../src/network/connectivity.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { getModel, listModels } from '../src/models/catalogue.js';
import { interpretDfun } from '../src/models/interpret.js';
import { RandomState } from '../src/random/index.js';

/** N nodes, all weights 1 between distinct nodes, zero tract lengths (no delays). */
function complete(n: number, tract = 0): Connectivity {
  const w = new Float64Array(n * n), l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) { w[i * n + j] = 1; l[i * n + j] = tract; }
  return new Connectivity({ weights: w, tractLengths: l, name: 'complete' });
}
const isolated = (n: number) => new Connectivity({ weights: new Float64Array(n * n), tractLengths: new Float64Array(n * n) });

describe('kernel engine', () => {
  it('one Euler step of every catalogue model equals the interpreted derivative', () => {
    for (const name of listModels()) {
      const spec = getModel(name);
      const M = spec.modes ?? 1;
      const svs = Object.keys(spec.state_variables);
      const N = 3;
      const x0 = new Float64Array(svs.length * N * M);
      svs.forEach((sv, k) => {
        const [lo, hi] = spec.state_variables[sv].range;
        for (let q = 0; q < N * M; q++) x0[k * N * M + q] = lo + (hi - lo) * (0.3 + 0.2 * ((q * 7 + k * 3) % 5) / 5);
      });
      const dt = 1e-3;
      const res = simulateSync({
        model: name, connectivity: isolated(N), coupling: spec.projections ? undefined : 'Linear', integrator: { name: 'Euler', dt }, duration: dt,
        initialConditions: { history: x0 }, variablesOfInterest: svs, monitors: [{ name: 'Raw' }],
      });
      const d = interpretDfun(spec, { nodes: N, state: x0, coupling: new Float64Array((spec.projections ?? spec.cvar).length * N * M) });
      const out = res.monitor('Raw').data;
      for (let q = 0; q < x0.length; q++) {
        const k = Math.floor(q / (N * M));
        const bd = spec.state_variables[svs[k]].boundaries;
        let want = x0[q] + dt * d[q];
        if (bd) want = Math.min(Math.max(want, bd[0] ?? -Infinity), bd[1] ?? Infinity);
        expect(Math.abs(out[q] - want), `${name} ${svs[k]}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
      }
    }
  });

  it('Linear model with Linear coupling and no delays follows the matrix exponential of its Euler map', () => {
    // dx = gamma x + a Σ_j x_j  → x(s+1) = (I + dt (gamma I + a W)) x(s) exactly for Euler
    const N = 4, dt = 0.01, gamma = -1, a = 0.1;
    const x0 = Float64Array.from([1, 2, 3, 4]);
    const res = simulateSync({
      model: 'Linear', parameters: { gamma }, connectivity: complete(N), coupling: 'Linear', couplingParameters: { a },
      integrator: { name: 'Euler', dt }, duration: 0.5, initialConditions: { history: x0 },
    });
    let x = Array.from(x0);
    const raw = res.monitor('Raw');
    for (let s = 0; s < raw.shape[1]; s++) {
      const sum = x.reduce((p, v) => p + v, 0);
      x = x.map((v) => v + dt * (gamma * v + a * (sum - v)));
      for (let n = 0; n < N; n++) expect(raw.data[s * N + n]).toBeCloseTo(x[n], 12);
    }
    expect(raw.time[0]).toBeCloseTo(dt, 15); // horizon 1: first step is s = 1 at t = dt
  });

  it('delays read the state of step s-1-d (pure delay line)', () => {
    // node 0 is driven only by node 1 with delay d; Linear model with gamma 0 integrates the coupling
    const dt = 0.1, d = 5;
    const w = Float64Array.from([0, 1, 0, 0]);
    const l = Float64Array.from([0, d * dt * 3, d * dt * 3, 0]);
    const conn = new Connectivity({ weights: w, tractLengths: l, speed: 3 });
    expect(Array.from(conn.delays(dt).idelays)).toEqual([0, d, d, 0]);
    const H = d + 1;
    // history: node 1 holds value k at step k; node 0 holds 0
    const hist = new Float64Array(H * 2);
    for (let k = 0; k < H; k++) hist[k * 2 + 1] = k;
    const res = simulateSync({
      model: 'Linear', parameters: { gamma: 0 }, connectivity: conn, coupling: 'Linear', couplingParameters: { a: 1 },
      integrator: { name: 'Euler', dt }, duration: 3 * dt, initialConditions: { history: hist },
    });
    const raw = res.monitor('Raw').data;
    // step H reads node 1 at step H-1-d = 0 (value 0); step H+1 reads step 1 (value 1); node 1 stays at H-1
    expect(raw[0]).toBeCloseTo(0, 15);
    expect(raw[2]).toBeCloseTo(dt * 1, 15);
    expect(raw[4]).toBeCloseTo(dt * (1 + 2), 15);
  });

  it('additive noise: first step equals sqrt(2 nsig dt)·numpy RandomState(seed) normals, and OU variance matches', () => {
    const N = 200, dt = 0.1, nsig = 0.01, seed = 7;
    const res0 = simulateSync({
      model: 'Linear', parameters: { gamma: 0 }, connectivity: isolated(N), integrator: { name: 'Euler', dt, noise: { nsig, seed } },
      duration: dt, initialConditions: { history: new Float64Array(N) },
    });
    const z = new RandomState(seed).fillStandardNormal(new Float64Array(N));
    const raw0 = res0.monitor('Raw').data;
    for (let n = 0; n < N; n++) expect(raw0[n]).toBeCloseTo(Math.sqrt(2 * nsig) * Math.sqrt(dt) * z[n], 14);
    // Euler–Maruyama OU: x' = (1 + γ dt) x + g sqrt(dt) z has stationary variance g² dt / (1 − (1 + γ dt)²)
    const gamma = -1;
    const res = simulateSync({
      model: 'Linear', parameters: { gamma }, connectivity: isolated(N), integrator: { name: 'Euler', dt, noise: { nsig, seed } },
      duration: 2000, transient: 20, initialConditions: { history: new Float64Array(N) }, monitors: [{ name: 'SubSample', period: 2 }],
    });
    const data = res.monitor('SubSample').data;
    let s2 = 0;
    for (const v of data) s2 += v * v;
    const want = (2 * nsig * dt) / (1 - (1 + gamma * dt) ** 2);
    expect(s2 / data.length).toBeGreaterThan(want * 0.95);
    expect(s2 / data.length).toBeLessThan(want * 1.05);
    // same seed, same run
    const again = simulateSync({
      model: 'Linear', parameters: { gamma: 0 }, connectivity: isolated(N), integrator: { name: 'Euler', dt, noise: { nsig, seed } },
      duration: dt, initialConditions: { history: new Float64Array(N) },
    });
    expect(Array.from(again.monitor('Raw').data)).toEqual(Array.from(raw0));
  });

  it('a stimulus expression is added as dt·stim on the stimulated variable', () => {
    const dt = 0.05, N = 2;
    const res = simulateSync({
      model: 'Linear', parameters: { gamma: 0 }, connectivity: isolated(N), integrator: { name: 'Euler', dt }, duration: 1,
      initialConditions: { history: new Float64Array(N) }, stimulus: { weights: [1, 2], temporal: { expression: 't' } },
    });
    const raw = res.monitor('Raw');
    // x after k steps = Σ_{j<k} dt · (j dt) · weight
    const T = raw.shape[1];
    const sum = (dt * dt * (T - 1) * T) / 2;
    expect(raw.data[(T - 1) * N]).toBeCloseTo(sum, 12);
    expect(raw.data[(T - 1) * N + 1]).toBeCloseTo(2 * sum, 12);
  });

  it('GlobalAverage, SpatialAverage, TemporalAverage and AfferentCoupling agree with Raw', () => {
    const conn = syntheticConnectome({ nodes: 6 });
    const base = {
      model: 'Generic2dOscillator', connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.05 },
      integrator: { name: 'Heun' as const, dt: 0.1 }, duration: 20, initialConditions: { seed: 3 },
    };
    const res = simulateSync({
      ...base,
      monitors: [{ name: 'Raw' }, { name: 'GlobalAverage', period: 1 }, { name: 'SpatialAverage', period: 1, mask: [0, 0, 1, 1, 1, 0] }, { name: 'TemporalAverage', period: 1 }, { name: 'AfferentCoupling' }],
    });
    const raw = res.monitor('Raw'), ga = res.monitor('GlobalAverage'), sa = res.monitor('SpatialAverage'), ta = res.monitor('TemporalAverage');
    const [, T, V, N] = raw.shape;
    const H = res.info.horizon;
    const at = (s: number, v: number, n: number) => raw.data[((s - H) * V + v) * N + n];
    for (let k = 0; k < ga.shape[1]; k++) {
      const s = Math.round(ga.time[k] / 0.1);
      let m = 0; for (let n = 0; n < N; n++) m += at(s, 0, n);
      expect(ga.data[k * V]).toBeCloseTo(m / N, 12);
      expect(sa.data[k * V * 2 + 1]).toBeCloseTo((at(s, 0, 2) + at(s, 0, 3) + at(s, 0, 4)) / 3, 12);
    }
    // TemporalAverage: mean of the 10 steps ending at the sample's step (all after the start here except possibly the first)
    const last = ta.shape[1] - 1;
    const sEnd = Math.round(ta.time[last] / 0.1 + 5);
    let m = 0; for (let s = sEnd - 9; s <= sEnd; s++) m += at(s, 0, 0);
    expect(ta.data[last * V * N]).toBeCloseTo(m / 10, 12);
    expect(T).toBe(200);
    expect(res.monitor('AfferentCoupling').shape).toEqual([1, 200, 1, 6, 1]);
  });

  it('batched runs equal separate runs, in this thread and across worker threads', async () => {
    const conn = syntheticConnectome({ nodes: 8 });
    const base = {
      model: 'JansenRit', connectivity: conn, coupling: 'SigmoidalJansenRit', integrator: { name: 'Heun' as const, dt: 0.1 }, duration: 50,
      initialConditions: { seed: 5 }, monitors: [{ name: 'TemporalAverage' as const, period: 1 }],
    };
    const as = [1, 5, 10];
    const mus = [0.1, 0.15, Array.from({ length: 8 }, (_, n) => 0.1 + 0.01 * n)];
    const batch = { 'coupling.a': as, mu: mus };
    const one = simulateSync({ ...base, batch });
    const threaded = await simulate({ ...base, batch, threads: 2 });
    expect(Array.from(threaded.monitor().data)).toEqual(Array.from(one.monitor().data));
    for (let b = 0; b < 3; b++) {
      const single = simulateSync({ ...base, couplingParameters: { a: as[b] }, parameters: { mu: mus[b] } });
      expect(Array.from(one.batch(b))).toEqual(Array.from(single.monitor().data));
    }
  });

  it('detects divergence and names the step, time and node', () => {
    const conn = isolated(3);
    const run = () => simulateSync({
      model: 'Linear', parameters: { gamma: [0, 50, 0] }, connectivity: conn, integrator: { name: 'Euler', dt: 1 }, duration: 1000,
      initialConditions: { history: Float64Array.from([1, 1, 1]) },
    });
    expect(run).toThrow(DivergenceError);
    try { run(); } catch (e) {
      const info = (e as DivergenceError).info;
      expect(info.node).toBe(1);
      expect(info.variable).toBe('x');
      // x = 51^k after k steps (first step s = H = 1): 51^180 ≈ e^707.7 is finite, 51^181 ≈ e^711.6 is not
      expect(info.step).toBe(181);
      expect((e as Error).message).toMatch(/step 181 \(t = 181 ms\).*node 1/);
    }
  });

  it('rejects bad input before any work, naming the field', () => {
    const base = { model: 'JansenRit', integrator: { dt: 0.1 }, duration: 10 };
    expect(() => prepare({ ...base, integrator: { dt: 0 } })).toThrow(/integrator.dt: expected a positive number/);
    expect(() => prepare({ ...base, duration: -1 })).toThrow(/duration: expected a positive/);
    expect(() => prepare({ ...base, model: 'Nope' })).toThrow(/unknown model 'Nope'; expected one of: .*JansenRit/);
    expect(() => prepare({ ...base, coupling: 'Nope' })).toThrow(/unknown coupling 'Nope'; expected one of: Linear/);
    expect(() => prepare({ ...base, parameters: { zz: 1 } })).toThrow(/unknown parameter 'zz' of model JansenRit; expected one of: A, B/);
    expect(() => prepare({ ...base, parameters: { mu: [1, 2, 3] } })).toThrow(/parameter 'mu': expected a number or 20 values \(one per node\), got an array of length 3/);
    expect(() => prepare({ ...base, integrator: { name: 'Foo' as never, dt: 0.1 } })).toThrow(/unknown integrator 'Foo'/);
    expect(() => prepare({ ...base, monitors: [{ name: 'TemporalAverage', period: -1 }] })).toThrow(/period must be > 0/);
    expect(() => prepare({ ...base, batch: { mu: [1, 2], 'coupling.a': [1, 2, 3] } })).toThrow(/same length/);
    expect(() => prepare({ ...base, initialConditions: { history: [1, 2] } })).toThrow(/initialConditions.history: expected/);
  });

  it('rounds a duration that is not a multiple of dt up, as TVB does', () => {
    const p = prepare({ model: 'Linear', integrator: { dt: 0.1 }, duration: 100.05 });
    expect(p.nSteps).toBe(1001);
  });
});

describe('kernel engine, stochastic batches', () => {
  it('a noisy batch gives the same numbers in worker threads as in this thread (seed + b per element)', async () => {
    const base = {
      model: 'Generic2dOscillator', connectivity: syntheticConnectome({ nodes: 5 }), coupling: 'Linear',
      integrator: { name: 'Heun' as const, dt: 0.1, noise: { nsig: [1e-3, 1e-4], seed: 11 } }, duration: 20,
      initialConditions: { seed: 2 }, batch: { 'coupling.a': [0.01, 0.02, 0.03] },
    };
    const local = simulateSync(base);
    const threaded = await simulate({ ...base, threads: 2 });
    expect(Array.from(threaded.monitor().data)).toEqual(Array.from(local.monitor().data));
    const single = simulateSync({ ...base, batch: undefined, couplingParameters: { a: 0.02 }, integrator: { ...base.integrator, noise: { ...base.integrator.noise, seed: 12 } } });
    expect(Array.from(local.batch(1))).toEqual(Array.from(single.monitor().data));
  });
});

describe('kernel engine, stimuli from the equations catalogue', () => {
  it('a PulseTrain region stimulus adds dt·weight·pulse(t) with t = 0 at the first step', () => {
    const dt = 0.5, N = 2;
    const res = simulateSync({
      model: 'Linear', parameters: { gamma: 0 }, connectivity: isolated(N), integrator: { name: 'Euler', dt }, duration: 40,
      initialConditions: { history: new Float64Array(N) },
      stimulus: { weights: [1, 0.5], temporal: { equation: 'PulseTrain', parameters: { T: 10, tau: 2, amp: 3, onset: 5 } } },
    });
    const raw = res.monitor('Raw');
    // TVB's PulseTrain: amp while t > onset and (t - onset) mod T < tau
    let x = 0;
    for (let k = 0; k < raw.shape[1]; k++) {
      const t = k * dt;
      const on = t > 5 && ((t - 5) % 10) < 2 ? 3 : 0;
      x += dt * on;
      expect(raw.data[k * N]).toBeCloseTo(x, 12);
      expect(raw.data[k * N + 1]).toBeCloseTo(0.5 * x, 12);
    }
    expect(x).toBeGreaterThan(0);
  });
});
