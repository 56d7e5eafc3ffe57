/**
 * The WebAssembly surface step (src/surface/wasm.ts) against the JavaScript one: the same numbers
 * bit for bit, on an icosphere with an unmapped region (an odd node count, so the last unpaired
 * vertex takes the tail path) and on TVB's 16k cortex, for every kind of run the module covers;
 * runs outside its coverage keep the JS step.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared';
import { icosphere } from './surface-helpers';
import { prepareSurfaceRun, runPreparedSurface, simulateSurfaceAsync } from '../src/surface/run';
import { meshGraph } from '../src/surface/local-connectivity';
import { csrFromTriplets, type CsrMatrix } from '../src/surface/sparse';
import { syntheticConnectome } from '../src/network/synthetic';
import { readTvbConnectivityZip } from '../src/network/tvb-zip';
import { readRegionMapping, readTvbSurfaceZip } from '../src/network/surface';
import { readSparseMat } from '../src/surface/mat';
import { foldExact } from '../src/surface/wasm';
import { parseExpr } from '../src/expr';
import type { SimulationConfig } from '../src/simulation/config';
import { getModel } from '../src/models/catalogue';
import { simulateSync } from '../src/simulation/simulate';

const S = icosphere(4, 40);
const V = S.vertices.length / 3;
const R = 12;
// region r ≈ longitude sector; region 11 gets no vertex (TVB appends it as a node: N = V + 1, odd)
const mapping = Int32Array.from({ length: V }, (_, v) => {
  const x = S.vertices[3 * v], y = S.vertices[3 * v + 1];
  return Math.min(10, Math.floor(((Math.atan2(y, x) + Math.PI) / (2 * Math.PI)) * 11));
});

/** 1-ring neighbour average, with every 97th vertex's row extended by its 2-ring (rows past the ELL width). */
function neighbourKernel(): CsrMatrix {
  const g = meshGraph(S);
  const r: number[] = [], c: number[] = [], w: number[] = [];
  for (let v = 0; v < V; v++) {
    const cols = new Set<number>();
    for (let k = g.rowPtr[v]; k < g.rowPtr[v + 1]; k++) cols.add(g.colIndex[k]);
    if (v % 97 === 0) for (const u of [...cols]) for (let k = g.rowPtr[u]; k < g.rowPtr[u + 1]; k++) if (g.colIndex[k] !== v) cols.add(g.colIndex[k]);
    for (const u of cols) { r.push(v); c.push(u); w.push(1 / cols.size); }
  }
  return csrFromTriplets(V, V, r, c, w);
}
const nbr = neighbourKernel();
const base: SimulationConfig = {
  model: 'Generic2dOscillator', connectivity: syntheticConnectome({ nodes: R }).withSpeed(2), coupling: 'Linear', couplingParameters: { a: 0.1 },
  integrator: { name: 'Heun', dt: 0.1 }, duration: 4, surface: S, regionMapping: mapping, localConnectivity: nbr, localCoupling: 1,
  monitors: [{ name: 'TemporalAverage', period: 1 }, { name: 'Raw' }], initialConditions: { seed: 3 },
};

function compare(cfg: SimulationConfig): { diff: number; scale: number; wasm: boolean } {
  const js = runPreparedSurface(prepareSurfaceRun({ ...cfg, kernel: 'js' }));
  const prep = prepareSurfaceRun(cfg);
  const wa = runPreparedSurface(prep);
  let diff = 0, scale = 0;
  js.monitors.forEach((m, k) => {
    const a = m.data, b = wa.monitors[k].data;
    expect(b.length).toBe(a.length);
    for (let q = 0; q < a.length; q++) { diff = Math.max(diff, Math.abs(a[q] - b[q]) || (Object.is(a[q], b[q]) ? 0 : Infinity)); scale = Math.max(scale, Math.abs(a[q])); }
  });
  const fa = js.info.finalState!, fb = wa.info.finalState!;
  for (let q = 0; q < fa.length; q++) diff = Math.max(diff, Math.abs(fa[q] - fb[q]));
  return { diff, scale, wasm: !!prep.plan.wasm };
}

const stim = { weights: Float64Array.from({ length: V }, (_, v) => Math.exp(-(v % 300) / 40)), temporal: { expression: 'sin(0.5 * t)' } };
const CASES: Record<string, Partial<SimulationConfig>> = {
  'Heun, neighbour average (one weight per row)': {},
  'Euler': { integrator: { name: 'Euler', dt: 0.1 } },
  'RK4 with noise and a stimulus': { integrator: { name: 'RK4', dt: 0.1, noise: { nsig: 0.002, seed: 5 } }, stimulus: stim },
  'Heun with additive noise': { integrator: { name: 'Heun', dt: 0.1, noise: { nsig: [0.002, 0.001], seed: 5 } } },
  'Euler with noise and a stimulus': { integrator: { name: 'Euler', dt: 0.1, noise: { nsig: 0.002, seed: 5 } }, stimulus: stim },
  'a mesh kernel with its own weights (Gaussian of the geodesic distance)': { localConnectivity: { cutoff: 12, parameters: { sigma: 5 } }, localCoupling: 0.7 },
  'per-vertex local-coupling strength': { localCoupling: Float64Array.from({ length: V }, (_, v) => 0.5 + (v % 5) / 4) },
  'no local connectivity': { localConnectivity: undefined, localCoupling: undefined },
  'per-region and batched parameters, float32 history': { parameters: { a: Float64Array.from({ length: R }, (_, r) => -2 + r / 20) }, batch: { tau: [1, 1.5, 4] }, historyPrecision: 'float32' },
};

describe('surface step in WebAssembly', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: equals the JS step bit for bit`, () => {
      const r = compare({ ...base, ...c } as SimulationConfig);
      expect(r.wasm).toBe(true);
      expect(r.scale).toBeGreaterThan(0.1);
      expect(r.diff).toBe(0);
    });
  }

  it('a model with exp and clamped state variables (ReducedWongWang): equal to rounding (the vector exp is within 3.3e-16 of Math.exp)', () => {
    const r = compare({ ...base, model: 'ReducedWongWang', couplingParameters: { a: 0.5 }, localConnectivity: undefined, localCoupling: undefined } as SimulationConfig);
    expect(r.wasm).toBe(true);
    expect(r.scale).toBeGreaterThan(0.1);
    expect(r.diff / r.scale).toBeLessThan(1e-12);
  });

  it('the cases cover both ELL layouts, rows past the ELL width and an unpaired last node', () => {
    const a = prepareSurfaceRun(base);
    const b = prepareSurfaceRun({ ...base, ...CASES['a mesh kernel with its own weights (Gaussian of the geodesic distance)'] } as SimulationConfig);
    expect(a.plan.N % 2).toBe(1);
    expect([a.plan.ellRowScale, b.plan.ellRowScale]).toEqual([true, false]);
    expect(a.data.lcCol.length).toBeGreaterThan(0);
    expect(b.data.lcCol.length).toBeGreaterThan(0);
  });

  it('a surface whose every region is one vertex equals the region network, couplings reading x_i included (Difference, Kuramoto-like)', () => {
    // (before the history became one ring per region row, x_i was read from region 0 for every target)
    const S12 = icosphere(0, 40);
    const conn = syntheticConnectome({ nodes: 12 }).withSpeed(2);
    const H = simulateSync({ model: 'Generic2dOscillator', connectivity: conn, integrator: { dt: 0.1 }, duration: 0.1 }).info.horizon!;
    const hist = Float64Array.from({ length: H * 2 * 12 }, (_, q) => Math.sin(q * 0.37) * 0.8);
    for (const coupling of ['Difference', 'Linear']) {
      const cfg: SimulationConfig = {
        model: 'Generic2dOscillator', connectivity: conn, coupling, couplingParameters: { a: 0.05 },
        integrator: { name: 'Heun', dt: 0.1 }, duration: 20, monitors: [{ name: 'Raw' }], initialConditions: { history: hist },
      };
      const net = simulateSync({ ...cfg, kernel: 'js' });
      for (const kernel of ['js', 'wasm'] as const) {
        const srf = runPreparedSurface(prepareSurfaceRun({ ...cfg, kernel, surface: S12, regionMapping: Int32Array.from({ length: 12 }, (_, i) => i) }));
        expect(Array.from(srf.monitors[0].data)).toEqual(Array.from(net.monitors[0].data));
      }
    }
  });

  it('the local coupling is exercised: without it the same run differs', () => {
    const a = runPreparedSurface(prepareSurfaceRun(base));
    const b = runPreparedSurface(prepareSurfaceRun({ ...base, localCoupling: 0 }));
    let d = 0;
    for (let q = 0; q < a.monitors[0].data.length; q++) d = Math.max(d, Math.abs(a.monitors[0].data[q] - b.monitors[0].data[q]));
    expect(d).toBeGreaterThan(1e-3);
  });

  it('a batch over worker threads equals the single-thread run', async () => {
    const cfg = { ...base, batch: { 'coupling.a': [0.1, 0.2, 0.3] }, threads: 2 } as SimulationConfig;
    const one = runPreparedSurface(prepareSurfaceRun({ ...cfg, kernel: 'js' }));
    const many = await simulateSurfaceAsync(cfg);
    expect(Array.from(many.monitors[0].data)).toEqual(Array.from(one.monitors[0].data));
  });

  it('a local-coupling term that is an expression (local_coupling * (V - 0.5 * W)): equals the JS step bit for bit', () => {
    const g2d = getModel('Generic2dOscillator');
    const model = { ...g2d, name: 'G2DExpressionLc', auxiliaries: { ...g2d.auxiliaries, lc_0: 'local_coupling * (V - 0.5 * W)' } };
    for (const c of [{}, CASES['a mesh kernel with its own weights (Gaussian of the geodesic distance)'], CASES['Euler with noise and a stimulus']]) {
      const r = compare({ ...base, ...c, model } as SimulationConfig);
      expect(r.wasm).toBe(true);
      expect(r.scale).toBeGreaterThan(0.1);
      expect(r.diff).toBe(0);
    }
  });

  it('JansenRit (local_coupling * (y1 - y2), sigmoid through exp): equal to rounding', () => {
    const r = compare({ ...base, model: 'JansenRit', coupling: 'SigmoidalJansenRit', couplingParameters: {} } as SimulationConfig);
    expect(r.wasm).toBe(true);
    expect(r.diff / r.scale).toBeLessThan(1e-12);
  });

  it('runs outside its coverage (several modes; kernel: js) keep the JS step', () => {
    expect(prepareSurfaceRun({ ...base, model: 'ReducedSetFitzHughNagumo' }).plan.wasm ?? null).toBeNull();
    expect(prepareSurfaceRun({ ...base, kernel: 'js' }).plan.wasm ?? null).toBeNull();
  });

  it('constant folding keeps only rewrites exact for every input', () => {
    const f = (src: string, vals: Record<string, number>) => foldExact(parseExpr(src), (n) => vals[n]);
    const show = (src: string, vals: Record<string, number>) => JSON.stringify(f(src, vals), (k, v) => (k === 'pos' ? undefined : v));
    // x·1, x/1 and numbers: gone; x/4 → x·0.25; x/3 and 0·x stay
    expect(show('d * tau * x / tau', { d: 0.02, tau: 1 })).toBe(show('0.02 * x', {}));
    expect(show('x / q', { q: 4 })).toBe(show('x * 0.25', {}));
    expect(show('x / q', { q: 3 })).toBe(show('x / 3', {}));
    expect(show('g * x + y', { g: 0 })).toBe(show('0 * x + y', {}));
    // x/2^k and x·2^-k agree on values where rounding happens (subnormal results) too
    for (const x of [1e-310, 3e-308, 7.123456789e-300, -5e-324, 1.7976931348623157e308]) expect(x / 1024).toBe(x * (1 / 1024));
  });
});

const DATA = sharedPath('data', 'tvb');
const HAVE = HAVE_SHARED && existsSync(join(DATA, 'cortex_16384.zip'));
describe('surface step in WebAssembly on TVB\'s 16k cortex', () => {
  it.skipIf(!HAVE)(`the bench case (G2D, stored local connectivity, TemporalAverage) equals the JS step bit for bit${HAVE ? '' : ` (skipped: ${SKIP_REASON})`}`, () => {
    const cfg: SimulationConfig = {
      model: 'Generic2dOscillator', connectivity: readTvbConnectivityZip(join(DATA, 'connectivity_76.zip')).withSpeed(3), coupling: 'Linear', couplingParameters: { a: 0.1 },
      integrator: { name: 'Heun', dt: 0.1 }, duration: 3, monitors: [{ name: 'TemporalAverage', period: 1 }],
      surface: readTvbSurfaceZip(join(DATA, 'cortex_16384.zip')), regionMapping: readRegionMapping(join(DATA, 'regionMapping_16k_76.txt')),
      localConnectivity: readSparseMat(join(DATA, 'local_connectivity_16384.mat')), localCoupling: 1,
    };
    const r = compare(cfg);
    expect(r.wasm).toBe(true);
    expect(r.scale).toBeGreaterThan(0.1);
    expect(r.diff).toBe(0);
  });
});
