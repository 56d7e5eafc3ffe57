/**
 * The surface adjoint on a small sphere mesh (162 vertices, 10 of 12 regions mapped: two appended
 * nodes): its forward equals the surface engine (src/surface/run.ts), and its gradients equal
 * Richardson finite differences of the surface engine's own loss, for a global model parameter,
 * per-region model parameters (along a direction, and one region), the region coupling strength and
 * the local-coupling strength; checkpointed and one-segment sweeps agree.
 */
import { describe, expect, it } from 'vitest';
import { icosphere } from './surface-helpers';
import { simulateSurface } from '../src/surface/run';
import { SurfaceAdjoint, surfaceGradient, transposeCsr } from '../src/surface/adjoint';
import { localConnectivity } from '../src/surface/local-connectivity';
import { ellProduct } from '../src/surface/ell-wasm';
import { splitEll } from '../src/surface/run';
import { syntheticConnectome } from '../src/network/synthetic';
import { richardsonDerivative } from '../src/engine/adjoint/fd';
import type { SimulationConfig } from '../src/simulation/config';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { vbt } from './cli-helpers';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared';

const S = icosphere(2, 60); // 162 vertices
const V = S.vertices.length / 3;
const conn = syntheticConnectome({ nodes: 12 });
const R = conn.n;
const mapping = Int32Array.from({ length: V }, (_, v) => v % 10);
const LC = localConnectivity(S, { cutoff: 20, parameters: { sigma: 8 } });
const I0 = Float64Array.from({ length: R }, (_, r) => 0.1 * Math.sin(r + 1));

const base = (integrator: SimulationConfig['integrator']): SimulationConfig => ({
  model: 'Generic2dOscillator', connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.05 },
  parameters: { a: -0.5, I: I0 },
  integrator, duration: 12, transient: 1,
  surface: S, regionMapping: mapping, localConnectivity: LC, localCoupling: 0.2,
  monitors: [{ name: 'TemporalAverage', period: 1 }, { name: 'SpatialAverage', period: 0.5 }],
  initialConditions: { seed: 3 },
});
const heun = base({ name: 'HeunStochastic', dt: 0.1, noise: { nsig: 1e-3, seed: 11 } });
const euler = base({ name: 'Euler', dt: 0.05 });

/** A fixed smooth loss of the monitors: Σ cos(q)·out[q] + ½ Σ out[q]² (its cotangent: cos(q) + out[q]). */
function loss(outs: { data: ArrayLike<number> }[]): { value: number; bars: Float64Array[] } {
  let value = 0;
  const bars = outs.map((o, k) => Float64Array.from(o.data, (x, q) => {
    const w = Math.cos(q + 3 * k);
    value += w * x + 0.5 * x * x;
    return w + x;
  }));
  return { value, bars };
}
const engineLoss = (cfg: SimulationConfig) => loss(simulateSurface(cfg).monitors).value;

function close(ad: number, fd: { value: number; error: number }, rel = 1e-6) {
  expect(fd.error).toBeLessThan(1e-3 * Math.abs(fd.value));
  expect(Math.abs(ad - fd.value)).toBeLessThan(rel * Math.abs(fd.value) + 3 * fd.error);
}

describe('surface adjoint', () => {
  for (const [name, cfg] of [['Heun + noise', heun], ['Euler', euler]] as const) {
    it(`${name}: the forward equals the surface engine to 1e-12`, () => {
      const ref = simulateSurface(cfg).monitors;
      const fw = new SurfaceAdjoint(cfg, { wrt: ['a'] }).forward();
      expect(fw.outputs.length).toBe(2);
      fw.outputs.forEach((o, k) => {
        expect(o.data.length).toBe(ref[k].data.length);
        expect(Array.from(o.time)).toEqual(Array.from(ref[k].time));
        let err = 0, range = 0;
        o.data.forEach((x, q) => { err = Math.max(err, Math.abs(x - ref[k].data[q])); range = Math.max(range, Math.abs(ref[k].data[q])); });
        expect(range).toBeGreaterThan(0.1);
        expect(err).toBeLessThan(1e-12 * range);
      });
    });
  }

  it('Heun + noise: gradients equal finite differences (global a, per-region I, coupling.a, localCoupling)', () => {
    const { value, gradient: g } = surfaceGradient(heun, { wrt: ['a', 'I', 'coupling.a', 'localCoupling'], loss });
    expect(value).toBeCloseTo(engineLoss(heun), 10);
    expect(g.a.length).toBe(1);
    expect(g.I.length).toBe(R);
    expect(g['coupling.a'].length).toBe(1);
    expect(g.localCoupling.length).toBe(1);
    close(g.a[0], richardsonDerivative((x) => engineLoss({ ...heun, parameters: { a: x, I: I0 } }), -0.5));
    close(g['coupling.a'][0], richardsonDerivative((x) => engineLoss({ ...heun, couplingParameters: { a: x } }), 0.05, 0.05));
    close(g.localCoupling[0], richardsonDerivative((x) => engineLoss({ ...heun, localCoupling: x }), 0.2, 0.2));
    // one region's I, and I along a direction over all regions (appended regions 10, 11 included)
    const at = (r: number, d: number) => Float64Array.from(I0, (v, q) => (q === r ? v + d : v));
    close(g.I[4], richardsonDerivative((x) => engineLoss({ ...heun, parameters: { a: -0.5, I: at(4, x) } }), 0, 0.1));
    close(g.I[11], richardsonDerivative((x) => engineLoss({ ...heun, parameters: { a: -0.5, I: at(11, x) } }), 0, 0.1));
    const dir = Float64Array.from({ length: R }, (_, r) => Math.cos(2 * r));
    const gd = g.I.reduce((s, x, r) => s + x * dir[r], 0);
    close(gd, richardsonDerivative((x) => engineLoss({ ...heun, parameters: { a: -0.5, I: I0.map((v, r) => v + x * dir[r]) } }), 0, 0.1));
  }, 180_000);

  it('Euler: gradients equal finite differences (per-vertex localCoupling along a direction, per-region coupling.a)', () => {
    const lc0 = Float64Array.from({ length: V }, (_, v) => 0.2 + 0.05 * Math.sin(v));
    const ca0 = Float64Array.from({ length: R }, (_, r) => 0.05 + 0.01 * Math.cos(r));
    const cfg: SimulationConfig = { ...euler, localCoupling: lc0, couplingParameters: { a: ca0 } };
    const { gradient: g } = surfaceGradient(cfg, { wrt: ['localCoupling', 'coupling.a', 'b'], loss, layouts: { b: 'region' } });
    expect(g.localCoupling.length).toBe(V);
    expect(g['coupling.a'].length).toBe(R);
    expect(g.b.length).toBe(R);
    const dir = Float64Array.from({ length: V }, (_, v) => Math.cos(3 * v));
    close(g.localCoupling.reduce((s, x, v) => s + x * dir[v], 0), richardsonDerivative((x) => engineLoss({ ...cfg, localCoupling: lc0.map((s, v) => s + x * dir[v]) }), 0, 0.1));
    close(g['coupling.a'][3], richardsonDerivative((x) => engineLoss({ ...cfg, couplingParameters: { a: ca0.map((s, r) => (r === 3 ? s + x : s)) } }), 0, 0.05));
    // b given as one value, differentiated per region: region 7's b alone
    const bR = (x: number) => Float64Array.from({ length: R }, (_, r) => (r === 7 ? -10 + x : -10));
    close(g.b[7], richardsonDerivative((x) => engineLoss({ ...cfg, parameters: { a: -0.5, I: I0, b: bR(x) } }), 0, 1));
  }, 180_000);

  it('JansenRit (local coupling on y1 − y2, sigmoidal coupling): forward = engine, gradients = finite differences', () => {
    const jr: SimulationConfig = {
      model: 'JansenRit', connectivity: conn, coupling: 'SigmoidalJansenRit', couplingParameters: { a: 2 },
      integrator: { name: 'Heun', dt: 0.05 }, duration: 4, surface: S, regionMapping: mapping, localConnectivity: LC, localCoupling: 0.3,
      monitors: [{ name: 'TemporalAverage', period: 0.5 }, { name: 'SpatialAverage', period: 0.25 }], initialConditions: { seed: 5 },
    };
    const ref = simulateSurface(jr).monitors;
    const { gradient: g, outputs } = surfaceGradient(jr, { wrt: ['localCoupling', 'coupling.a', 'mu'], loss });
    outputs.forEach((o, k) => {
      let err = 0, range = 0;
      o.data.forEach((x, q) => { err = Math.max(err, Math.abs(x - ref[k].data[q])); range = Math.max(range, Math.abs(ref[k].data[q])); });
      expect(err).toBeLessThan(1e-12 * range);
    });
    close(g.localCoupling[0], richardsonDerivative((x) => engineLoss({ ...jr, localCoupling: x }), 0.3, 0.3));
    close(g['coupling.a'][0], richardsonDerivative((x) => engineLoss({ ...jr, couplingParameters: { a: x } }), 2));
    close(g.mu[0], richardsonDerivative((x) => engineLoss({ ...jr, parameters: { mu: x } }), 0.22, 0.22));
  }, 180_000);

  it('per-node layout: a model parameter given per node, differentiated per node (appended regions included)', () => {
    const N = V + 2;
    const a0 = Float64Array.from({ length: N }, (_, n) => -0.5 + 0.1 * Math.sin(n));
    const cfg: SimulationConfig = { ...euler, parameters: { a: a0, I: I0 } };
    const { gradient: g } = surfaceGradient(cfg, { wrt: ['a'], loss });
    expect(g.a.length).toBe(N);
    const dir = Float64Array.from({ length: N }, (_, n) => Math.cos(5 * n));
    close(g.a.reduce((s, x, n) => s + x * dir[n], 0), richardsonDerivative((x) => engineLoss({ ...cfg, parameters: { a: a0.map((v, n) => v + x * dir[n]), I: I0 } }), 0, 0.1));
  }, 180_000);

  it('a surface stimulus, Raw and Bold monitors: forward = engine, gradient = finite differences', () => {
    const cfg: SimulationConfig = {
      ...euler, duration: 30, transient: 0,
      stimulus: { weights: Float64Array.from({ length: V }, (_, v) => Math.exp(-((v % 17) / 5))), temporal: { expression: 'sin(0.3 * t)' } },
      monitors: [{ name: 'Raw' }, { name: 'Bold', period: 8, voi: [0] }],
    };
    const ref = simulateSurface(cfg).monitors;
    const { gradient: g, outputs } = surfaceGradient(cfg, { wrt: ['I'], loss, layouts: { I: 'scalar' } });
    outputs.forEach((o, k) => {
      expect(o.data.length).toBe(ref[k].data.length);
      let err = 0, range = 0;
      o.data.forEach((x, q) => { err = Math.max(err, Math.abs(x - ref[k].data[q])); range = Math.max(range, Math.abs(ref[k].data[q])); });
      expect(range).toBeGreaterThan(0);
      expect(err).toBeLessThan(1e-12 * range);
    });
    close(g.I[0], richardsonDerivative((x) => engineLoss({ ...cfg, parameters: { a: -0.5, I: I0.map((v) => v + x) } }), 0, 0.1));
  }, 180_000);

  it('forward(values) equals a fresh adjoint built with those values', () => {
    const wrt = ['a', 'I', 'coupling.a', 'localCoupling'];
    const adj = new SurfaceAdjoint(heun, { wrt });
    const first = adj.forward();
    first.backward(loss(first.outputs).bars);
    const I1 = I0.map((v, r) => v + 0.02 * r);
    const vals = { a: -0.45, I: I1, 'coupling.a': 0.06, localCoupling: 0.25 };
    const f1 = adj.forward(vals);
    const f2 = new SurfaceAdjoint({ ...heun, parameters: { a: -0.45, I: I1 }, couplingParameters: { a: 0.06 }, localCoupling: 0.25 }, { wrt }).forward();
    expect(f1.outputs[0].data).toEqual(f2.outputs[0].data);
    const g1 = f1.backward(loss(f1.outputs).bars), g2 = f2.backward(loss(f2.outputs).bars);
    for (const k of wrt) expect(g1[k]).toEqual(g2[k]);
    expect(() => adj.forward({ 'coupling.a': new Float64Array(R) })).toThrow(/built with one value/);
    expect(() => adj.forward({ I: [1, 2, 3] })).toThrow(/'I' has 3 values; .*1, 12 \(per region\) or 164 \(per node\)/);
  });

  it('checkpointed sweeps give the one-segment gradient', () => {
    const one = new SurfaceAdjoint(heun, { wrt: ['a', 'I', 'localCoupling'] });
    const seg = new SurfaceAdjoint(heun, { wrt: ['a', 'I', 'localCoupling'], checkpoint: 17 });
    expect(one.segments).toBe(1);
    expect(seg.segments).toBeGreaterThan(5);
    const f1 = one.forward(), f2 = seg.forward();
    const g1 = f1.backward(loss(f1.outputs).bars), g2 = f2.backward(loss(f2.outputs).bars);
    for (const k of ['a', 'I', 'localCoupling']) g1[k].forEach((x, q) => expect(Math.abs(g2[k][q] - x)).toBeLessThanOrEqual(1e-12 * Math.abs(x)));
  });

  it('the WebAssembly kernels (forward step, local-coupling products) give the JavaScript ones to rounding (outputs and gradients)', () => {
    const wrt = ['a', 'I', 'coupling.a', 'localCoupling'];
    for (const cfg of [heun, euler]) {
      const fw = new SurfaceAdjoint(cfg, { wrt }).forward(), fj = new SurfaceAdjoint({ ...cfg, kernel: 'js' }, { wrt }).forward();
      fw.outputs.forEach((o, k) => {
        let err = 0, range = 0;
        o.data.forEach((x, q) => { err = Math.max(err, Math.abs(x - fj.outputs[k].data[q])); range = Math.max(range, Math.abs(x)); });
        expect(err).toBeLessThan(1e-13 * range);
      });
      const gw = fw.backward(loss(fw.outputs).bars), gj = fj.backward(loss(fj.outputs).bars);
      for (const k of wrt) {
        const scale = Math.max(...Array.from(gj[k], Math.abs));
        expect(scale).toBeGreaterThan(0);
        gw[k].forEach((x, q) => expect(Math.abs(x - gj[k][q])).toBeLessThan(1e-10 * scale));
      }
    }
  });

  it('the WebAssembly ELL product equals the CSR product in CSR order, long rows, an odd row count and accumulation included', () => {
    // 201 rows of 0 … 4 entries and two of 14 and 20: the ELL width (99th percentile, 4) leaves those a CSR rest
    const n = 201, rowPtr = [0], colIndex: number[] = [], values: number[] = [];
    for (let r = 0; r < n; r++) {
      const len = r === 100 ? 14 : r === 37 ? 20 : r % 5;
      for (let k = 0; k < len; k++) { colIndex.push((r * 5 + k * 3) % n); values.push(Math.sin(r + 0.7 * k)); }
      rowPtr.push(colIndex.length);
    }
    const A = { rows: n, cols: n, rowPtr: Int32Array.from(rowPtr), colIndex: Int32Array.from(colIndex), values: Float64Array.from(values) };
    const e = splitEll(A);
    expect(e.width).toBe(4);
    expect(e.rest.colIndex.length).toBe(26);
    const k = ellProduct(n, e.width, e.col, e.val, e.rest)!;
    expect(k).not.toBeNull();
    const x = Float64Array.from({ length: n + 3 }, (_, i) => Math.cos(3 * i) * 10 ** (i % 4));
    for (const add of [false, true]) {
      const out = Float64Array.from({ length: n + 2 }, (_, i) => 0.5 - i), ref = out.slice();
      for (let r = 0; r < n; r++) {
        let acc = add ? ref[1 + r] : 0;
        for (let q = A.rowPtr[r]; q < A.rowPtr[r + 1]; q++) acc += A.values[q] * x[2 + A.colIndex[q]];
        ref[1 + r] = acc;
      }
      k.mul(x, 2, out, 1, add);
      // bit for bit, but for the sign of zero: an empty row's padding sums 0·x (−0 for x < 0), the CSR loop starts at +0
      expect(Array.from(out, (v) => v + 0)).toEqual(Array.from(ref, (v) => v + 0));
      expect(out.some((v, i) => i > 0 && i <= n && v !== 0 && v !== 0.5 - i)).toBe(true);
    }
  });

  it('the transposed local connectivity the reverse gathers over: (Aᵀ)ᵀ = A and x·(A y) = (Aᵀ x)·y', () => {
    const T = transposeCsr(LC), TT = transposeCsr(T);
    expect(Array.from(TT.rowPtr)).toEqual(Array.from(LC.rowPtr));
    expect(Array.from(TT.colIndex)).toEqual(Array.from(LC.colIndex));
    expect(Array.from(TT.values)).toEqual(Array.from(LC.values));
    const x = Float64Array.from({ length: V }, (_, i) => Math.sin(i)), y = Float64Array.from({ length: V }, (_, i) => Math.cos(2 * i));
    const mul = (A: typeof LC, u: Float64Array) => Float64Array.from({ length: V }, (_, r) => {
      let s = 0;
      for (let k = A.rowPtr[r]; k < A.rowPtr[r + 1]; k++) s += A.values[k] * u[A.colIndex[k]];
      return s;
    });
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
    const lhs = dot(x, mul(LC, y)), rhs = dot(mul(T, x), y);
    expect(Math.abs(lhs)).toBeGreaterThan(1e-3);
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12 * Math.abs(lhs));
  });

  it('refuses what it does not differentiate, before any work', () => {
    expect(() => new SurfaceAdjoint(heun, { wrt: ['nope'] })).toThrow(/unknown parameter 'nope'; expected one of: .*localCoupling/);
    expect(() => new SurfaceAdjoint({ ...heun, monitors: [{ name: 'GlobalAverage', period: 1 }] }, { wrt: ['a'] })).toThrow(/monitor 'GlobalAverage' is not differentiated/);
    expect(() => new SurfaceAdjoint({ ...heun, integrator: { name: 'RK4', dt: 0.1 } }, { wrt: ['a'] })).toThrow(/RK4 is not differentiated/);
    expect(() => new SurfaceAdjoint(heun, { wrt: ['localCoupling'], layouts: { localCoupling: 'region' } })).toThrow(/one value or one per vertex/);
    const f = new SurfaceAdjoint(heun, { wrt: ['a'] }).forward();
    expect(() => f.backward([new Float64Array(3)])).toThrow(/one cotangent array per monitor \(2\), got 1/);
  });
});

const DATA = sharedPath('data', 'tvb');
const HAVE16K = HAVE_SHARED && existsSync(join(DATA, 'cortex_16384.zip'));
describe.skipIf(!HAVE16K)(`vbt gradcheck --surface on cortex_16384${HAVE16K ? '' : ` (skipped: ${SKIP_REASON})`}`, () => {
  const args = ['gradcheck', '-m', 'Generic2dOscillator', '-c', join(DATA, 'connectivity_76.zip'), '-k', 'a=0.1',
    '--surface', join(DATA, 'cortex_16384.zip'), '--region-mapping', join(DATA, 'regionMapping_16k_76.txt'),
    '--local-connectivity', join(DATA, 'local_connectivity_16384.mat'), '--local-coupling', '0.5', '--steps', '30'];
  // one check per test: each is a long synchronous run, and vitest's RPC needs the event loop between them
  for (const extra of [['--param', 'localCoupling'], ['--param', 'coupling.a', '--index', '12']]) {
    it(`${extra.join(' ')}: adjoint = finite differences of the surface engine`, async () => {
      const out = await vbt(...args, ...extra);
      expect(out).toMatch(/float64 surface adjoint/);
      const rel = Number(/rel_err=(\S+)/.exec(out)?.[1]);
      expect(rel).toBeLessThan(1e-6);
    }, 300_000);
  }
  it('--engine tensor is refused', async () => {
    await expect(vbt(...args, '--param', 'a', '--engine', 'tensor')).rejects.toThrow(/float64 adjoint only/);
  });
});
