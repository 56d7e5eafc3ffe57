/**
 * Mesh-side pieces of surface runs: the MAT reader and CSR, local connectivity from a mesh (edge
 * geodesics: error measured against great circles on an icosphere; TVB's shipped matrix rebuilt
 * entry by entry), TVB's homogenisation, surface stimulus weights against the pattern TVB computed,
 * and the bad-input errors.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared';
import { readSparseMat } from '../src/surface/mat';
import { csrFromTriplets, csrMultiply, checkCsr } from '../src/surface/sparse';
import { edgeDistances, homogenise, localConnectivity, meshGraph, neighbourAverage, SurfaceDistances } from '../src/surface/local-connectivity';
import { surfaceStimulusWeights } from '../src/surface/stimulus';
import { readTvbSurfaceZip, type Surface } from '../src/network/surface';
import { readSurfaceReference } from '../src/reference/surface';
import { prepareSurfaceRun } from '../src/surface/run';
import { openH5 } from '../src/io/h5';
import { icosphere } from './surface-helpers';
import { parseLocalConnectivityOption } from '../src/surface/cli';
import { extractLocalCoupling } from '../src/surface/program';
import { parseModel } from '../src/models/check';
import { getModel } from '../src/models/catalogue';
import { simulateSurface } from '../src/surface/run';
import { syntheticConnectome } from '../src/network/synthetic';

const DATA = sharedPath('data', 'tvb');
const HAVE = HAVE_SHARED && existsSync(join(DATA, 'cortex_16384.zip'));
const why = HAVE ? '' : ` (skipped: ${SKIP_REASON})`;

describe('sparse matrices and the MAT reader', () => {
  it('CSR from triplets multiplies like the dense matrix', () => {
    const r = [0, 2, 1, 0, 2, 2], c = [1, 0, 2, 1, 2, 0], v = [1, 2, 3, 4, 5, 6];
    const A = csrFromTriplets(3, 3, r, c, v);
    const dense = [[0, 5, 0], [0, 0, 3], [8, 0, 5]];
    const x = [0.5, -2, 3];
    const y = csrMultiply(A, x);
    for (let i = 0; i < 3; i++) expect(y[i]).toBeCloseTo(dense[i][0] * x[0] + dense[i][1] * x[1] + dense[i][2] * x[2], 14);
    expect(() => checkCsr(A, 4, 4, 'A')).toThrow(/3x3 matrix; expected 4x4/);
  });

  it.skipIf(!HAVE)(`reads TVB's local_connectivity_16384.mat (zlib-compressed sparse) as scipy does${why}`, () => {
    const A = readSparseMat(join(DATA, 'local_connectivity_16384.mat'));
    expect([A.rows, A.cols, A.values.length]).toEqual([16384, 16384, 98280]);
    // scipy: row 0 = columns [1 4 5 13 30 34 7972 8133], all 0.125; every row sums to 1
    expect(Array.from(A.colIndex.subarray(0, 8))).toEqual([1, 4, 5, 13, 30, 34, 7972, 8133]);
    expect(Array.from(A.values.subarray(0, 8))).toEqual(new Array(8).fill(0.125));
    const ones = csrMultiply(A, new Float64Array(16384).fill(1));
    for (const s of ones) expect(Math.abs(s - 1)).toBeLessThan(1e-12);
  });
});

describe('local connectivity from a mesh', () => {
  it('surface distances on an icosphere against great circles: fast marching within 0.5 %, edge paths ~12 % long', () => {
    const S = icosphere(4, 50); // 2562 vertices, edges ~ 3.9 mm
    const p0 = S.vertices.subarray(0, 3);
    const stats = (d: Float64Array) => {
      let sumRel = 0, maxRel = 0, n = 0;
      for (let v = 1; v < d.length; v++) {
        const p = S.vertices.subarray(3 * v, 3 * v + 3);
        const arc = 50 * Math.acos(Math.max(-1, Math.min(1, (p0[0] * p[0] + p0[1] * p[1] + p0[2] * p[2]) / 2500)));
        if (arc > 40) continue; // TVB's default cutoff
        const rel = Math.abs(d[v] - arc) / arc;
        sumRel += rel; maxRel = Math.max(maxRel, rel); n++;
      }
      return { mean: sumRel / n, max: maxRel, n };
    };
    const fmm = stats(new SurfaceDistances(S, 'fmm').from([0]));
    const edges = stats(edgeDistances(meshGraph(S), [0]));
    console.log(`icosphere(4) r=50 mm, vertices within 40 mm (${fmm.n}): |distance - great circle| / great circle: fast marching mean ${(100 * fmm.mean).toFixed(2)} % max ${(100 * fmm.max).toFixed(2)} %; edge paths mean ${(100 * edges.mean).toFixed(2)} % max ${(100 * edges.max).toFixed(2)} %`);
    expect(fmm.mean).toBeLessThan(0.005);
    expect(fmm.max).toBeLessThan(0.01);
    expect(fmm.mean).toBeLessThan(edges.mean / 3);
    expect(edges.mean).toBeGreaterThan(0.08);
  });

  it('truncated distance matrix: CSR, no diagonal, symmetric, all ≤ cutoff, equal to single-source runs', () => {
    const S = icosphere(3, 50);
    const geo = new SurfaceDistances(S);
    const g = geo.graph;
    const D = geo.within(15);
    const full = geo.from([7]);
    for (let k = D.rowPtr[7]; k < D.rowPtr[8]; k++) expect(D.values[k]).toBeCloseTo(full[D.colIndex[k]], 12);
    let within = 0;
    for (let v = 0; v < g.rows; v++) if (v !== 7 && full[v] <= 15) within++;
    expect(D.rowPtr[8] - D.rowPtr[7]).toBe(within);
    for (let i = 0; i < D.rows; i++) {
      for (let k = D.rowPtr[i]; k < D.rowPtr[i + 1]; k++) {
        expect(D.colIndex[k]).not.toBe(i);
        expect(D.values[k]).toBeLessThanOrEqual(15);
      }
    }
  });

  it("TVB's homogenisation: every row's positive and negative sums equal their means", () => {
    const S = icosphere(2, 30);
    const A = localConnectivity(S, { cutoff: 20, equation: 'DoubleGaussian', parameters: { amp_1: 1, sigma_1: 5, amp_2: 0.6, sigma_2: 10 } });
    const pos: number[] = [], neg: number[] = [];
    for (let i = 0; i < A.rows; i++) {
      let p = 0, q = 0;
      for (let k = A.rowPtr[i]; k < A.rowPtr[i + 1]; k++) { if (A.values[k] > 0) p += A.values[k]; else q += A.values[k]; }
      pos.push(p); neg.push(q);
    }
    for (const p of pos) expect(p).toBeCloseTo(pos[0], 10);
    for (const q of neg) expect(q).toBeCloseTo(neg[0], 10);
    expect(neg[0]).toBeLessThan(0);
    // raw kernel: Gaussian of the distance, without the rescaling
    const raw = localConnectivity(S, { cutoff: 20, equation: 'Gaussian', parameters: { sigma: 5 }, homogenise: false });
    const D = new SurfaceDistances(S).within(20);
    for (let k = 0; k < 50; k++) expect(raw.values[k]).toBeCloseTo(Math.exp(-(D.values[k] ** 2) / 50), 14);
    expect(homogenise(raw).values.length).toBe(raw.values.length);
  });

  it.skipIf(!HAVE)(`rebuilds TVB's shipped local_connectivity_16384.mat exactly (1-ring, weights 1/degree)${why}`, () => {
    const S = readTvbSurfaceZip(join(DATA, 'cortex_16384.zip'));
    const ours = neighbourAverage(S);
    const tvb = readSparseMat(join(DATA, 'local_connectivity_16384.mat'));
    expect(Array.from(ours.rowPtr)).toEqual(Array.from(tvb.rowPtr));
    expect(Array.from(ours.colIndex)).toEqual(Array.from(tvb.colIndex));
    let e = 0;
    for (let k = 0; k < ours.values.length; k++) e = Math.max(e, Math.abs(ours.values[k] - tvb.values[k]));
    console.log(`neighbour average vs TVB's local_connectivity_16384.mat: ${ours.values.length} entries, same support, max |diff| = ${e}`);
    expect(e).toBeLessThan(1e-15);
  });

  it.skipIf(!HAVE)(`surface stimulus weights equal the spatial pattern TVB computed (same focal vertices, Gaussian of edge distance)${why}`, async () => {
    const file = resolve(__dirname, 'fixtures/surface/g2d_surface_stim.h5');
    const ref = await readSurfaceReference(file, DATA);
    const meta = JSON.parse(String(ref.attrs.stimulus));
    const w = surfaceStimulusWeights(readTvbSurfaceZip(join(DATA, 'cortex_16384.zip')), { focalVertices: meta.focal_vertices, spatial: meta.spatial, distance: 'edges' });
    const f = await openH5(file);
    const tvb = Float64Array.from((f.get('stimulus_spatial_pattern') as unknown as { value: ArrayLike<number> }).value);
    f.close();
    let e = 0, mx = 0;
    for (let v = 0; v < w.length; v++) { e = Math.max(e, Math.abs(w[v] - tvb[v])); mx = Math.max(mx, tvb[v]); }
    expect(mx).toBeGreaterThan(0.9);
    expect(e).toBeLessThan(1e-12);
  });
});

describe('bad surface input stops before the run', () => {
  const base = () => ({
    model: 'Generic2dOscillator', integrator: { dt: 0.1 }, duration: 1,
    surface: join(DATA, 'cortex_16384.zip'), regionMapping: join(DATA, 'regionMapping_16k_76.txt'),
  });
  it.skipIf(!HAVE)(`mapping length, mapping index, local-connectivity size${why}`, async () => {
    const { readTvbConnectivityZip } = await import('../src/network/tvb-zip');
    const conn = readTvbConnectivityZip(join(DATA, 'connectivity_76.zip'));
    const conn66 = readTvbConnectivityZip(join(DATA, 'connectivity_66.zip'));
    expect(() => prepareSurfaceRun({ ...base(), connectivity: conn, regionMapping: new Int32Array(100) })).toThrow(/regionMapping: 100 region indices for a surface of 16384 vertices/);
    expect(() => prepareSurfaceRun({ ...base(), connectivity: conn66 })).toThrow(/regionMapping \(.*regionMapping_16k_76.txt\): entry \d+ is \d+, not a region index of the connectivity \(0\.\.65\)/);
    expect(() => prepareSurfaceRun({ ...base(), connectivity: conn, localConnectivity: join(DATA, 'local_connectivity_80k.mat') })).toThrow(/local_connectivity_80k.mat\): a 81924x81924 matrix; expected 16384x16384/);
    expect(() => prepareSurfaceRun({ ...base(), connectivity: conn, localCoupling: 2 })).toThrow(/no localConnectivity/);
  });
  it('degenerate and non-manifold meshes are refused by the geodesic step', () => {
    const flat: Surface = { vertices: Float64Array.of(0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 1, 0), triangles: Int32Array.of(0, 1, 2, 0, 1, 3), normals: new Float64Array(0) };
    expect(() => localConnectivity(flat, { cutoff: 5 })).toThrow(/triangle 0 \(0, 1, 2\) has zero area/);
    const repeated: Surface = { vertices: Float64Array.of(0, 0, 0, 1, 0, 0, 0, 1, 0), triangles: Int32Array.of(0, 1, 1), normals: new Float64Array(0) };
    expect(() => localConnectivity(repeated)).toThrow(/repeats a vertex/);
    const fin: Surface = { vertices: Float64Array.of(0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, -1, 0), triangles: Int32Array.of(0, 1, 2, 0, 1, 3, 0, 1, 4), normals: new Float64Array(0) };
    expect(() => localConnectivity(fin)).toThrow(/edge \(0, 1\) belongs to more than two triangles \(non-manifold/);
    const lonely: Surface = { vertices: Float64Array.of(0, 0, 0, 1, 0, 0, 0, 1, 0, 5, 5, 5), triangles: Int32Array.of(0, 1, 2), normals: new Float64Array(0) };
    expect(() => localConnectivity(lonely)).toThrow(/vertex 3 belongs to no triangle/);
  });
});

describe('local coupling in the model and from the command line', () => {
  it('finds every local_coupling * E term (a state variable or an expression) and refuses other uses', () => {
    const jr = extractLocalCoupling(parseModel(getModel('JansenRit')), 'JansenRit');
    expect(jr.terms.length).toBe(1);
    expect(jr.terms[0].kind).toBe('binary'); // y1 - y2
    const wc = extractLocalCoupling(parseModel(getModel('WilsonCowan')), 'WilsonCowan');
    expect(wc.terms.map((e) => (e.kind === 'sym' ? e.name : '?'))).toEqual(['E', 'I']);
    const odd = { ...getModel('Linear'), state_variables: { x: { equation: 'gamma * x + c_0 + exp(local_coupling)', range: [-1, 1] as [number, number] } } };
    expect(() => extractLocalCoupling(parseModel(odd), 'odd')).toThrow(/state_variables.x.equation uses local_coupling other than as 'local_coupling \* expression'/);
  });

  it('--local-connectivity: a file, neighbours, or geodesic:CUTOFF:EQUATION:k=v', () => {
    expect(parseLocalConnectivityOption('lc.mat')).toBe('lc.mat');
    expect(parseLocalConnectivityOption('neighbours')).toEqual({ kind: 'neighbours' });
    expect(parseLocalConnectivityOption('geodesic:12:DoubleGaussian:amp_1=1,sigma_1=3')).toEqual({ cutoff: 12, equation: 'DoubleGaussian', parameters: { amp_1: 1, sigma_1: 3 } });
    expect(() => parseLocalConnectivityOption('geodesic:-3')).toThrow(/cutoff '-3' is not a positive distance/);
    expect(() => parseLocalConnectivityOption('geodesic:5:Cosine')).toThrow(/'Cosine' is not one of Gaussian, DoubleGaussian, Sigmoid, GeneralizedSigmoid/);
  });

  it('a mesh-computed kernel couples neighbouring vertices: the run with it differs from the run without, and equals the run given the same CSR', () => {
    const S = icosphere(2, 40);
    const V = S.vertices.length / 3;
    const base = { model: 'Generic2dOscillator', connectivity: syntheticConnectome({ nodes: 6 }), integrator: { dt: 0.1 }, duration: 5, surface: S, regionMapping: Int32Array.from({ length: V }, (_, v) => v % 6), initialConditions: { seed: 2 } } as const;
    const spec = { cutoff: 15, parameters: { sigma: 6 } };
    const a = simulateSurface({ ...base, localConnectivity: spec, localCoupling: 0.5 });
    const b = simulateSurface({ ...base, localConnectivity: localConnectivity(S, spec), localCoupling: 0.5 });
    const c = simulateSurface({ ...base });
    expect(Array.from(a.monitors[0].data)).toEqual(Array.from(b.monitors[0].data));
    let d = 0;
    for (let q = 0; q < a.monitors[0].data.length; q++) d = Math.max(d, Math.abs(a.monitors[0].data[q] - c.monitors[0].data[q]));
    expect(d).toBeGreaterThan(1e-3);
  });
});
