/**
 * Local connectivity from a mesh, as TVB's LocalConnectivity.compute: distances along the surface
 * from every vertex to the vertices within `cutoff`, mapped through a spatial equation (Gaussian,
 * DoubleGaussian, Sigmoid, GeneralizedSigmoid of the distance), then "homogenised": the positive and
 * the negative parts of each row are rescaled so that every row's positive (negative) sum equals the
 * mean row sum over the surface. Only pairs within the cutoff are stored (CSR); the vertex itself is
 * not (TVB's gdist matrix has no diagonal).
 *
 * Distance method (stated approximation): shortest paths along mesh edges (Dijkstra, truncated at
 * the cutoff). TVB uses exact polyhedral geodesics (gdist). Edge paths zig-zag, so they are never
 * shorter than the geodesic; on an icosphere the mean overestimate is measured by
 * test/surface-local-connectivity.test.ts and reported in README.
 */
import { compileEquation, getEquation } from '../equations/index.js';
import type { Surface } from '../network/surface.js';
import { type CsrMatrix } from './sparse.js';

export interface LocalConnectivitySpec {
  /** Truncation distance along the surface, mm (TVB default 40). */
  cutoff?: number;
  /** Spatial equation of the distance (TVB default Gaussian with its defaults). */
  equation?: 'Gaussian' | 'DoubleGaussian' | 'Sigmoid' | 'GeneralizedSigmoid';
  parameters?: Record<string, number>;
  /** Skip TVB's homogenisation (raw kernel values). */
  homogenise?: boolean;
}

export const SPATIAL_EQUATIONS = ['Gaussian', 'DoubleGaussian', 'Sigmoid', 'GeneralizedSigmoid'] as const;

/** Undirected edge lengths as a CSR adjacency, after checking the mesh is a usable 2-manifold. */
export function meshGraph(surface: Surface, what = 'surface'): CsrMatrix {
  const V = surface.vertices.length / 3;
  const T = surface.triangles.length / 3;
  const P = surface.vertices, tri = surface.triangles;
  const edgeUse = new Map<number, number>();
  const key = (a: number, b: number) => (a < b ? a * V + b : b * V + a);
  const used = new Uint8Array(V);
  for (let t = 0; t < T; t++) {
    const a = tri[3 * t], b = tri[3 * t + 1], c = tri[3 * t + 2];
    if (a === b || b === c || a === c) throw new Error(`${what}: triangle ${t} (${a}, ${b}, ${c}) repeats a vertex (degenerate mesh)`);
    const ux = P[3 * b] - P[3 * a], uy = P[3 * b + 1] - P[3 * a + 1], uz = P[3 * b + 2] - P[3 * a + 2];
    const vx = P[3 * c] - P[3 * a], vy = P[3 * c + 1] - P[3 * a + 1], vz = P[3 * c + 2] - P[3 * a + 2];
    const cx = uy * vz - uz * vy, cy = uz * vx - ux * vz, cz = ux * vy - uy * vx;
    const area2 = Math.sqrt(cx * cx + cy * cy + cz * cz);
    const scale = ux * ux + uy * uy + uz * uz + vx * vx + vy * vy + vz * vz;
    if (!(area2 > 1e-12 * scale)) throw new Error(`${what}: triangle ${t} (${a}, ${b}, ${c}) has zero area (degenerate mesh)`);
    for (const [p, q] of [[a, b], [b, c], [c, a]]) {
      const k = key(p, q);
      const u = (edgeUse.get(k) ?? 0) + 1;
      if (u > 2) throw new Error(`${what}: edge (${Math.min(p, q)}, ${Math.max(p, q)}) belongs to more than two triangles (non-manifold mesh)`);
      edgeUse.set(k, u);
    }
    used[a] = used[b] = used[c] = 1;
  }
  const lonely = used.indexOf(0);
  if (lonely >= 0) throw new Error(`${what}: vertex ${lonely} belongs to no triangle`);
  const deg = new Int32Array(V + 1);
  for (const k of edgeUse.keys()) { deg[Math.floor(k / V) + 1]++; deg[(k % V) + 1]++; }
  for (let v = 0; v < V; v++) deg[v + 1] += deg[v];
  const fill = deg.slice(0, V);
  const col = new Int32Array(deg[V]), len = new Float64Array(deg[V]);
  for (const k of edgeUse.keys()) {
    const a = Math.floor(k / V), b = k % V;
    const d = Math.hypot(P[3 * a] - P[3 * b], P[3 * a + 1] - P[3 * b + 1], P[3 * a + 2] - P[3 * b + 2]);
    col[fill[a]] = b; len[fill[a]++] = d;
    col[fill[b]] = a; len[fill[b]++] = d;
  }
  return { rows: V, cols: V, rowPtr: deg, colIndex: col, values: len };
}

/** A binary min-heap of (distance, vertex). */
class Heap {
  d: number[] = [];
  v: number[] = [];
  push(d: number, v: number) {
    const D = this.d, W = this.v;
    let i = D.length;
    D.push(d); W.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (D[p] <= d) break;
      D[i] = D[p]; W[i] = W[p]; i = p;
    }
    D[i] = d; W[i] = v;
  }
  pop(): [number, number] {
    const D = this.d, W = this.v;
    const top: [number, number] = [D[0], W[0]];
    const ld = D.pop()!, lv = W.pop()!;
    const n = D.length;
    if (n) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && D[c + 1] < D[c]) c++;
        if (D[c] >= ld) break;
        D[i] = D[c]; W[i] = W[c]; i = c;
      }
      D[i] = ld; W[i] = lv;
    }
    return top;
  }
  get size() { return this.d.length; }
}

/**
 * Distances along mesh edges from each source to every vertex within `maxDist` (Dijkstra). With
 * several sources, the distance to the nearest one (TVB's geodesic_distance with many foci).
 */
export function edgeDistances(graph: CsrMatrix, sources: ArrayLike<number>, maxDist = Infinity): Float64Array {
  const dist = new Float64Array(graph.rows).fill(Infinity);
  const h = new Heap();
  for (let k = 0; k < sources.length; k++) {
    const s = sources[k];
    if (!Number.isInteger(s) || s < 0 || s >= graph.rows) throw new Error(`geodesic distance: source ${s} is not a vertex index (0..${graph.rows - 1})`);
    dist[s] = 0;
    h.push(0, s);
  }
  while (h.size) {
    const [d, u] = h.pop();
    if (d > dist[u]) continue;
    for (let q = graph.rowPtr[u]; q < graph.rowPtr[u + 1]; q++) {
      const w = graph.colIndex[q];
      const nd = d + graph.values[q];
      if (nd < dist[w] && nd <= maxDist) { dist[w] = nd; h.push(nd, w); }
    }
  }
  return dist;
}

/** Sparse matrix of distances within `cutoff` for every vertex (the vertex itself excluded), CSR. */
export function distancesWithin(graph: CsrMatrix, cutoff: number): CsrMatrix {
  const V = graph.rows;
  const dist = new Float64Array(V).fill(Infinity);
  const touched: number[] = [];
  const rowPtr = new Int32Array(V + 1);
  let cols: Int32Array = new Int32Array(1 << 16), vals: Float64Array = new Float64Array(1 << 16);
  let nnz = 0;
  const h = new Heap();
  for (let s = 0; s < V; s++) {
    dist[s] = 0; touched.push(s); h.push(0, s);
    while (h.size) {
      const [d, u] = h.pop();
      if (d > dist[u]) continue;
      for (let q = graph.rowPtr[u]; q < graph.rowPtr[u + 1]; q++) {
        const w = graph.colIndex[q];
        const nd = d + graph.values[q];
        if (nd <= cutoff && nd < dist[w]) {
          if (dist[w] === Infinity) touched.push(w);
          dist[w] = nd; h.push(nd, w);
        }
      }
    }
    touched.sort((a, b) => a - b);
    for (const w of touched) {
      if (w !== s) {
        if (nnz === cols.length) {
          const c2 = new Int32Array(2 * nnz); c2.set(cols); cols = c2;
          const v2 = new Float64Array(2 * nnz); v2.set(vals); vals = v2;
        }
        cols[nnz] = w; vals[nnz++] = dist[w];
      }
      dist[w] = Infinity;
    }
    touched.length = 0;
    rowPtr[s + 1] = nnz;
  }
  return { rows: V, cols: V, rowPtr, colIndex: cols.slice(0, nnz), values: vals.slice(0, nnz) };
}

/** TVB's LocalConnectivity matrix for a mesh (see the module comment). */
export function localConnectivity(surface: Surface, spec: LocalConnectivitySpec = {}, what = 'localConnectivity'): CsrMatrix {
  const cutoff = spec.cutoff ?? 40;
  if (!(cutoff > 0) || !Number.isFinite(cutoff)) throw new Error(`${what}.cutoff: expected a positive distance in mm, got ${cutoff}`);
  const eqName = spec.equation ?? 'Gaussian';
  if (!SPATIAL_EQUATIONS.includes(eqName)) throw new Error(`${what}.equation: '${eqName}' is not a spatial equation; expected one of ${SPATIAL_EQUATIONS.join(', ')}`);
  const f = compileEquation(getEquation(eqName), spec.parameters ?? {});
  const D = distancesWithin(meshGraph(surface, `${what}: surface`), cutoff);
  const values = Float64Array.from(D.values, (d) => f(d));
  const A: CsrMatrix = { ...D, values };
  return spec.homogenise === false ? A : homogenise(A);
}

/**
 * TVB's homogenisation: rows' positive and negative sums rescaled to their surface means (a row
 * whose positive or negative sum is 0 keeps 0 there; TVB only warns that the mesh is too coarse).
 */
export function homogenise(A: CsrMatrix): CsrMatrix {
  const V = A.rows;
  const pos = new Float64Array(V), neg = new Float64Array(V);
  for (let i = 0; i < V; i++) {
    for (let k = A.rowPtr[i]; k < A.rowPtr[i + 1]; k++) {
      const x = A.values[k];
      if (x > 0) pos[i] += x; else if (x < 0) neg[i] += x;
    }
  }
  let pm = 0, nm = 0;
  for (let i = 0; i < V; i++) { pm += pos[i]; nm += neg[i]; }
  pm /= V; nm /= V;
  const values = new Float64Array(A.values.length);
  for (let i = 0; i < V; i++) {
    const fp = pos[i] !== 0 ? pm / pos[i] : 0, fn = neg[i] !== 0 ? nm / neg[i] : 0;
    for (let k = A.rowPtr[i]; k < A.rowPtr[i + 1]; k++) {
      const x = A.values[k];
      values[k] = x > 0 ? fp * x : x < 0 ? fn * x : 0;
    }
  }
  return { ...A, values };
}
