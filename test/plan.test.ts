/**
 * The run plan (src/plan): integrators as tableaux against closed forms, couplings classified from
 * free symbols, the symbol table, projection models against a hand-written float64 loop, and bad
 * input stopped before any work.
 */
import { describe, expect, it } from 'vitest';
import { simulate, simulateSync, prepare } from '../src/simulation/simulate.js';
import { Connectivity } from '../src/network/connectivity.js';
import { TABLEAUX, planIntegrator } from '../src/plan/integrator.js';
import { classifyCoupling } from '../src/plan/coupling.js';
import { COUPLINGS } from '../src/coupling/catalogue.js';
import { validateModelSpec, type ModelSpec } from '../src/models/spec.js';
import { parseModel } from '../src/models/check.js';
import { syntheticConnectome } from '../src/network/synthetic.js';

const isolated = (n: number) => new Connectivity({ weights: new Float64Array(n * n), tractLengths: new Float64Array(n * n) });

describe('integrators as Butcher tableaux', () => {
  it('are consistent (Σb = 1, c_j = Σ_l a_jl) and their stepping rules carry TVB forcing conventions', () => {
    for (const t of Object.values(TABLEAUX)) {
      expect(t.b.weights.reduce((a, b) => a + b, 0) / t.b.divisor).toBe(1);
      t.a.forEach((row, j) => expect(row.weights.reduce((a, b) => a + b, 0) / row.divisor).toBe(t.c[j + 1]));
    }
    const heun = planIntegrator('HeunStochastic', 0.1);
    expect(heun.stages).toEqual([{ factor: 0.1, terms: [{ stage: 0, weight: 1 }], stimulus: 'inside', noise: true }]);
    expect(heun.result).toEqual({ factor: 0.05, terms: [{ stage: 0, weight: 1 }, { stage: 1, weight: 1 }], stimulus: 'after', noise: true });
    const rk4 = planIntegrator('rk4', 0.3);
    expect(rk4.stages.map((s) => [s.factor, s.noise, s.stimulus])).toEqual([[0.15, false, 'none'], [0.15, false, 'none'], [0.3, false, 'none']]);
    expect(rk4.result.factor).toBe(0.3 / 6);
    expect(rk4.result.terms.map((x) => x.weight)).toEqual([1, 2, 2, 1]);
    expect(() => planIntegrator('Leapfrog', 0.1)).toThrow(/integrator.name: unknown integrator 'Leapfrog'; expected one of: Euler, Heun, RK4/);
  });

  it('one step of dx/dt = γx in both kernels equals the tableau stability polynomial', () => {
    const g = -3, h = 0.05, z = g * h, x0 = [0.7, -0.2];
    const want: Record<string, number> = { Euler: 1 + z, Heun: 1 + z + z * z / 2, RK4: 1 + z + z * z / 2 + z ** 3 / 6 + z ** 4 / 24 };
    for (const name of ['Euler', 'Heun', 'RK4'] as const) {
      for (const kernel of ['js', 'wasm'] as const) {
        const r = simulateSync({ model: 'Linear', parameters: { gamma: g }, connectivity: isolated(2), integrator: { name, dt: h }, duration: h, initialConditions: { history: x0 }, monitors: [{ name: 'Raw' }], kernel });
        const d = r.monitor('Raw').data;
        for (let i = 0; i < 2; i++) expect(Math.abs(d[i] - x0[i] * want[name])).toBeLessThan(1e-15);
      }
    }
  });
});

describe('couplings classified once from free symbols', () => {
  const scalar = { a: 'scalar' as const, b: 'scalar' as const };
  it('by what the per-link term reads', () => {
    expect(classifyCoupling(COUPLINGS.Linear, 1, scalar).kind).toBe('pretransform');
    expect(classifyCoupling(COUPLINGS.Difference, 1, { a: 'scalar' })).toMatchObject({ kind: 'per-link', readsTarget: true });
    expect(classifyCoupling(COUPLINGS.Kuramoto, 1, { a: 'node' })).toMatchObject({ kind: 'per-link', readsTarget: true });
    const sjr = classifyCoupling(COUPLINGS.SigmoidalJansenRit, 2, {});
    expect(sjr).toMatchObject({ kind: 'pretransform', shared: true, rows: 1, readsTarget: false });
    expect([...sjr.sourceRows].sort()).toEqual([0, 1]);
    expect(classifyCoupling(COUPLINGS.PreSigmoidal, 2, {}).kind).toBe('presigmoidal');
    // a per-node parameter inside the per-link term makes it per link; in post it does not
    expect(classifyCoupling(COUPLINGS.HyperbolicTangent, 1, { a: 'node' }).kind).toBe('per-link');
    expect(classifyCoupling(COUPLINGS.Linear, 1, { a: 'node', b: 'scalar' }).kind).toBe('pretransform');
  });

  it('a parameter whose name starts with x_i is not the target value (the old string test said it was)', () => {
    const c = { name: 'Gain', description: '', parameters: { x_in: { default: 2 } }, pre: 'x_in * x_j', post: 'gx' };
    expect(classifyCoupling(c, 1, { x_in: 'scalar' })).toMatchObject({ kind: 'pretransform', readsTarget: false, preParameters: ['x_in'] });
    const conn = syntheticConnectome({ nodes: 4 });
    const base = { model: 'Linear', connectivity: conn, integrator: { dt: 0.01 }, duration: 1, initialConditions: { seed: 1 }, monitors: [{ name: 'Raw' as const }] };
    const a = simulateSync({ ...base, coupling: c }).monitor('Raw').data;
    const b = simulateSync({ ...base, coupling: 'Scaling', couplingParameters: { a: 2 } }).monitor('Raw').data;
    for (let k = 0; k < b.length; k++) expect(Math.abs(a[k] - b[k])).toBeLessThan(1e-14);
  });

  it('unknown names and rows that do not exist are errors before any work', () => {
    expect(() => classifyCoupling({ ...COUPLINGS.Linear, pre: 'x_j * q' }, 1, {})).toThrow(/coupling Linear.pre: unknown name 'q'; expected x_j, x_i/);
    expect(() => classifyCoupling({ ...COUPLINGS.Linear, pre: 'x_j_3' }, 2, {})).toThrow(/'x_j_3' names coupling row 3, but the model has 2 coupling variable/);
    expect(() => classifyCoupling({ ...COUPLINGS.Linear, post: 'gx * z' }, 1, {})).toThrow(/coupling Linear.post: unknown name 'z'/);
  });
});

describe('symbols resolved once, with kind and layout', () => {
  it('JansenRit with a per-node parameter; ReducedWongWangEIB with edge parameters and two coupling inputs', () => {
    const jr = prepare({ model: 'JansenRit', connectivity: syntheticConnectome({ nodes: 3 }), parameters: { mu: [0.1, 0.2, 0.3] }, integrator: { dt: 0.1 }, duration: 1 }).plan.symbols;
    expect(jr.mu).toMatchObject({ kind: 'parameter', layout: 'per-node' });
    expect(jr.A).toMatchObject({ kind: 'parameter', layout: 'global' });
    expect(jr.y1).toMatchObject({ kind: 'state', index: 1, cvar: true });
    expect(jr.y0).toMatchObject({ kind: 'state', index: 0, cvar: false });
    expect(jr.c_0).toMatchObject({ kind: 'coupling-input', index: 0 });
    expect(jr['coupling.a']).toMatchObject({ kind: 'coupling-parameter', layout: 'global' });
    expect(jr.pi).toMatchObject({ kind: 'math-constant' });
    const eib = prepare({ model: 'ReducedWongWangEIB', connectivity: syntheticConnectome({ nodes: 3 }), integrator: { dt: 1 }, duration: 1 }).plan;
    expect(eib.symbols.wLRE).toMatchObject({ kind: 'edge-parameter', layout: 'per-edge' });
    expect(eib.symbols.c_1).toMatchObject({ kind: 'coupling-input', index: 1 });
    expect(eib.symbols.H_e).toMatchObject({ kind: 'auxiliary', layout: 'node-state' });
    expect(eib.projections).toHaveLength(2);
    expect(eib.couplingClass).toBeUndefined();
  });
});

/** Two state variables, two projections with their own source, pre, post, edge weights; delays. */
const TWO: ModelSpec = validateModelSpec({
  name: 'TwoProjections',
  parameters: { k: { default: 0.5 }, g: { default: -2 } },
  edge_parameters: { e: { default: 1 } },
  projections: [
    { source: 'x', weights: 'e' },
    { source: 'x - y', pre: 'tanh(x_j)', post: 'k * gx + 0.1' },
  ],
  state_variables: {
    x: { equation: 'g * x + c_0', range: [-1, 1] },
    y: { equation: 'g * y + sin(c_1)', range: [-1, 1] },
  },
  cvar: ['x', 'y'],
  variables_of_interest: ['x', 'y'],
}, 'TwoProjections');

describe('coupling projections', () => {
  it('a two-projection model with delays equals a hand-written float64 Euler loop, in both kernels', () => {
    const n = 4, dt = 0.1, steps = 60;
    const W = Float64Array.from({ length: n * n }, (_, q) => (Math.floor(q / n) === q % n ? 0 : 0.2 + 0.1 * ((q * 7) % 5)));
    const L = Float64Array.from({ length: n * n }, (_, q) => (Math.floor(q / n) === q % n ? 0 : 1 + ((q * 3) % 4)));
    const e = Float64Array.from({ length: n * n }, (_, q) => 0.5 + 0.25 * (q % 3));
    const conn = new Connectivity({ weights: W, tractLengths: L, speed: 1 });
    const d = conn.delays(dt).idelays;
    const x0 = Float64Array.from({ length: 2 * n }, (_, q) => 0.3 * Math.sin(q + 1));
    const cfg = { model: TWO, connectivity: conn, edgeParameters: { e }, integrator: { name: 'Euler' as const, dt }, duration: steps * dt, initialConditions: { history: x0 }, monitors: [{ name: 'Raw' as const }] };
    const js = simulateSync({ ...cfg, kernel: 'js' }).monitor('Raw').data;
    const wasm = simulateSync({ ...cfg, kernel: 'wasm' }).monitor('Raw').data;
    expect(Array.from(wasm)).toEqual(Array.from(js));
    // reference: history of (x, y) per step, constant initial history
    const hx: number[][] = [], hy: number[][] = [];
    let H = 1;
    for (const v of d) H = Math.max(H, v + 1);
    for (let s = 0; s < H; s++) { hx.push(Array.from(x0.subarray(0, n))); hy.push(Array.from(x0.subarray(n))); }
    const k = 0.5, g = -2;
    let maxErr = 0;
    for (let s = 0; s < steps; s++) {
      const t = hx.length - 1;
      const x = hx[t], y = hy[t];
      const nx: number[] = [], ny: number[] = [];
      for (let i = 0; i < n; i++) {
        let a0 = 0, a1 = 0;
        for (let j = 0; j < n; j++) {
          const w = W[i * n + j];
          if (w === 0) continue;
          const u = t - d[i * n + j];
          a0 += w * e[i * n + j] * hx[u][j];
          a1 += w * Math.tanh(hx[u][j] - hy[u][j]);
        }
        nx.push(x[i] + dt * (g * x[i] + a0));
        ny.push(y[i] + dt * (g * y[i] + Math.sin(k * a1 + 0.1)));
      }
      hx.push(nx); hy.push(ny);
      for (let i = 0; i < n; i++) {
        maxErr = Math.max(maxErr, Math.abs(js[(s * 2 + 0) * n + i] - nx[i]), Math.abs(js[(s * 2 + 1) * n + i] - ny[i]));
      }
    }
    expect(H).toBeGreaterThan(5);
    expect(maxErr).toBeLessThan(1e-13);
  });

  it('AfferentCoupling records one row per projection: wFFI = ½ halves c_1 exactly', () => {
    const r = simulateSync({ model: 'ReducedWongWangEIB', connectivity: syntheticConnectome({ nodes: 6 }), edgeParameters: { wFFI: 0.5 }, integrator: { dt: 1 }, duration: 50, initialConditions: { seed: 2 }, monitors: [{ name: 'AfferentCoupling', period: 1 }] });
    const m = r.monitor('AfferentCoupling');
    const n = 6, T = m.data.length / (2 * n);
    expect(T).toBe(50);
    let any = 0;
    for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) {
      const c0 = m.data[(t * 2) * n + i], c1 = m.data[(t * 2 + 1) * n + i];
      expect(c1).toBe(0.5 * c0);
      any = Math.max(any, c0);
    }
    expect(any).toBeGreaterThan(0);
  });

  it('a batch over model parameters of a projection model equals its runs one by one', () => {
    const conn = syntheticConnectome({ nodes: 5, seed: 2 });
    const base = { model: 'ReducedWongWangEIB', connectivity: conn, integrator: { dt: 1, noise: { nsig: [1e-4, 0], variables: ['S_e'], seed: 3 } }, duration: 200, initialConditions: { seed: 4 }, monitors: [{ name: 'Raw' as const }], edgeParameters: { wFFI: 0.5 } };
    const both = simulateSync({ ...base, batch: { G: [0.5, 2], J_i: [1, [0.8, 0.9, 1, 1.1, 1.2]] } }).monitor('Raw');
    const one = simulateSync({ ...base, parameters: { G: 2, J_i: [0.8, 0.9, 1, 1.1, 1.2] }, integrator: { ...base.integrator, noise: { ...base.integrator.noise, seed: 4 } } }).monitor('Raw').data;
    const per = one.length;
    expect(both.data.length).toBe(2 * per);
    for (let k = 0; k < per; k++) expect(both.data[per + k]).toBe(one[k]);
  });

  it('a noisy batch of a projection model gives the same numbers in worker threads as in this thread', async () => {
    const base = { model: 'ReducedWongWangEIB', connectivity: syntheticConnectome({ nodes: 6 }), edgeParameters: { wFFI: 0.7 }, integrator: { dt: 1, noise: { nsig: [1e-4, 0], variables: ['S_e'], seed: 5 } }, duration: 300, initialConditions: { seed: 2 }, batch: { G: [0.5, 1, 1.5, 2] } };
    const local = simulateSync(base).monitor().data;
    const threaded = (await simulate({ ...base, threads: 2 })).monitor().data;
    expect(Array.from(threaded)).toEqual(Array.from(local));
  });

  it('bad input stops before any work, naming the field', () => {
    const base = { connectivity: syntheticConnectome({ nodes: 3 }), integrator: { dt: 0.1 }, duration: 1 };
    const nine = new Float64Array(9).fill(1);
    expect(() => prepare({ ...base, model: 'JansenRit', edgeParameters: { wLRE: nine } })).toThrow(/edgeParameters: model JansenRit has no projections, so it takes no per-edge parameters \(got wLRE\)/);
    expect(() => prepare({ ...base, model: 'ReducedWongWangEIB', edgeParameters: { wLRE: [1, 2] } })).toThrow(/edgeParameters.wLRE: expected 3×3 = 9 values \(row = target/);
    expect(() => prepare({ ...base, model: 'ReducedWongWangEIB', edgeParameters: { wXYZ: nine } })).toThrow(/edgeParameters: unknown per-edge parameter 'wXYZ' of model ReducedWongWangEIB; expected one of: wLRE, wFFI/);
    expect(() => prepare({ ...base, model: 'ReducedWongWangEIB', edgeParameters: { wFFI: [1, 1, 1, 1, NaN, 1, 1, 1, 1] } })).toThrow(/edgeParameters.wFFI\[4\] = NaN is not a finite number/);
    expect(() => prepare({ ...base, model: 'ReducedWongWangEIB', parameters: { wLRE: 1 } })).toThrow(/parameters: 'wLRE' is a per-edge parameter of model ReducedWongWangEIB; set it in edgeParameters/);
    expect(() => prepare({ ...base, model: 'ReducedWongWangEIB', parameters: { Jq: 1 } })).toThrow(/unknown parameter 'Jq' of model ReducedWongWangEIB/);
    expect(() => prepare({ ...base, model: 'ReducedWongWangEIB', parameters: { J_i: [1, 2] } })).toThrow(/parameter 'J_i': expected a number or 3 values/);
    expect(() => prepare({ ...base, model: 'ReducedWongWangEIB', coupling: 'Linear' })).toThrow(/model ReducedWongWangEIB declares its own projections \(2 coupling inputs\); a coupling function or couplingParameters do not apply/);
    expect(() => prepare({ ...base, model: 'ReducedWongWangEIB', batch: { wLRE: [1, 2] } })).toThrow(/batch: 'wLRE' is a per-edge parameter/);
    expect(() => prepare({ ...base, model: 'ReducedWongWangEIB', integrator: { dt: 0.1, noise: { nsig: 1e-3, variables: ['S_x'] } } })).toThrow(/integrator.noise.variables\[0\]: 'S_x' is not a state variable of ReducedWongWangEIB/);
    expect(() => prepare({ ...base, model: 'ReducedWongWangEIB', perNode: ['Q'] })).toThrow(/perNode\[0\]: unknown parameter 'Q'/);
  });

  it('bad projection specifications are rejected with the field named', () => {
    const spec = JSON.parse(JSON.stringify(TWO));
    expect(() => validateModelSpec({ ...spec, projections: [{ source: 'x', weights: 'nope' }] }, 'm.yaml')).toThrow(/m.yaml: projections\[0\].weights = 'nope' is not an edge parameter; expected one of: e/);
    expect(() => validateModelSpec({ ...spec, projections: undefined }, 'm.yaml')).toThrow(/m.yaml: edge_parameters need projections that use them/);
    expect(() => parseModel(validateModelSpec({ ...spec, cvar: ['x'], projections: [{ source: 'x' }, { source: 'y' }] }), 'm.yaml')).toThrow(/m.yaml: projections\[1\].source: 'y' is not a coupling variable \(cvar\) of the source node/);
    expect(() => parseModel(validateModelSpec({ ...spec, projections: [{ source: 'x' }, { source: 'x', post: 'gx * nope' }] }), 'm.yaml')).toThrow(/projections\[1\].post: unknown name 'nope'/);
    // the model's equations may read only the inputs its projections feed
    expect(() => parseModel(validateModelSpec({ ...spec, projections: [{ source: 'x' }] }), 'm.yaml')).toThrow(/unknown name 'c_1'/);
  });
});
