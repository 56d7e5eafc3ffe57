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
  /** 'geodesic' (default): a spatial equation of distance; 'neighbours': the 1-ring average TVB ships. */
  kind?: 'geodesic' | 'neighbours';
  /** Truncation distance along the surface, mm (TVB default 40). */
  cutoff?: number;
  /** Spatial equation of the distance (TVB default Gaussian with its defaults). */
  equation?: 'Gaussian' | 'DoubleGaussian' | 'Sigmoid' | 'GeneralizedSigmoid';
  parameters?: Record<string, number>;
  /** Distance method: 'fmm' (fast marching, default) or 'edges' (Dijkstra along edges). */
  distance?: DistanceMethod;
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

/** How distances along the surface are measured. */
export type DistanceMethod = 'fmm' | 'edges';

/** Vertex → incident triangles (CSR), for the fast-marching triangle updates. */
function vertexTriangles(surface: Surface): { ptr: Int32Array; tri: Int32Array } {
  const V = surface.vertices.length / 3, T = surface.triangles.length / 3;
  const ptr = new Int32Array(V + 1);
  for (const v of surface.triangles) ptr[v + 1]++;
  for (let v = 0; v < V; v++) ptr[v + 1] += ptr[v];
  const fill = ptr.slice(0, V), tri = new Int32Array(3 * T);
  for (let t = 0; t < T; t++) for (let c = 0; c < 3; c++) tri[fill[surface.triangles[3 * t + c]]++] = t;
  return { ptr, tri };
}

/**
 * Distance at C from known distances at A and B through their triangle (Kimmel & Sethian's fast
 * marching update): a virtual planar point source S with |SA| = dA, |SB| = dB on the far side of AB;
 * valid when the ray S→C crosses the segment AB, else the edge paths.
 */
function triangleUpdate(P: Float64Array, A: number, B: number, C: number, dA: number, dB: number): number {
  const len = (i: number, j: number) => Math.hypot(P[3 * i] - P[3 * j], P[3 * i + 1] - P[3 * j + 1], P[3 * i + 2] - P[3 * j + 2]);
  const c = len(A, B), b = len(A, C), a = len(B, C);
  const edge = Math.min(dA + b, dB + a);
  const cx = (b * b + c * c - a * a) / (2 * c);
  const cy = Math.sqrt(Math.max(0, b * b - cx * cx));
  const xs = (dA * dA - dB * dB + c * c) / (2 * c);
  const ys2 = dA * dA - xs * xs;
  if (ys2 < 0 || cy === 0) return edge;
  const ys = -Math.sqrt(ys2);
  const xCross = xs + ((cx - xs) * -ys) / (cy - ys);
  if (xCross < 0 || xCross > c) return edge;
  return Math.min(edge, Math.hypot(cx - xs, cy - ys));
}

/**
 * Single- or multi-source distances along the surface up to maxDist. 'fmm' (default): fast marching
 * on the triangles (first-order; measured on an icosphere in test/surface-mesh.test.ts); 'edges':
 * shortest paths along mesh edges (Dijkstra; always longer than the geodesic).
 */
export class SurfaceDistances {
  readonly graph: CsrMatrix;
  private readonly vt?: { ptr: Int32Array; tri: Int32Array };
  private readonly dist: Float64Array;
  private readonly done: Uint8Array;

  constructor(readonly surface: Surface, readonly method: DistanceMethod = 'fmm', what = 'surface') {
    if (method !== 'fmm' && method !== 'edges') throw new Error(`${what}: distance method '${method}'; expected 'fmm' or 'edges'`);
    this.graph = meshGraph(surface, what);
    if (method === 'fmm') this.vt = vertexTriangles(surface);
    this.dist = new Float64Array(this.graph.rows).fill(Infinity);
    this.done = new Uint8Array(this.graph.rows);
  }

  /** Calls visit(vertex, distance) for every vertex within maxDist of the nearest source. */
  march(sources: ArrayLike<number>, maxDist: number, visit: (v: number, d: number) => void): void {
    const { graph: g, dist, done } = this;
    const P = this.surface.vertices, T = this.surface.triangles;
    const touched: number[] = [];
    const h = new Heap();
    const relax = (w: number, nd: number) => {
      if (nd <= maxDist && nd < dist[w] && !done[w]) {
        if (dist[w] === Infinity) touched.push(w);
        dist[w] = nd; h.push(nd, w);
      }
    };
    for (let k = 0; k < sources.length; k++) {
      const s = sources[k];
      if (!Number.isInteger(s) || s < 0 || s >= g.rows) throw new Error(`geodesic distance: source ${s} is not a vertex index (0..${g.rows - 1})`);
      if (dist[s] === Infinity) touched.push(s);
      dist[s] = 0; h.push(0, s);
    }
    while (h.size) {
      const [d, u] = h.pop();
      if (done[u] || d > dist[u]) continue;
      done[u] = 1;
      visit(u, d);
      for (let q = g.rowPtr[u]; q < g.rowPtr[u + 1]; q++) relax(g.colIndex[q], d + g.values[q]);
      if (this.vt) {
        for (let q = this.vt.ptr[u]; q < this.vt.ptr[u + 1]; q++) {
          const t = this.vt.tri[q];
          const a = T[3 * t], b = T[3 * t + 1], c = T[3 * t + 2];
          const [o1, o2] = u === a ? [b, c] : u === b ? [c, a] : [a, b];
          if (done[o1] && !done[o2]) relax(o2, triangleUpdate(P, u, o1, o2, d, dist[o1]));
          else if (done[o2] && !done[o1]) relax(o1, triangleUpdate(P, u, o2, o1, d, dist[o2]));
        }
      }
    }
    for (const w of touched) { dist[w] = Infinity; done[w] = 0; }
  }

  /** Distance from the nearest of `sources` to every vertex (Infinity beyond maxDist). */
  from(sources: ArrayLike<number>, maxDist = Infinity): Float64Array {
    const out = new Float64Array(this.graph.rows).fill(Infinity);
    this.march(sources, maxDist, (v, d) => { out[v] = d; });
    return out;
  }

  /** Sparse matrix of distances within `cutoff` for every vertex (the vertex itself excluded), CSR. */
  within(cutoff: number): CsrMatrix {
    const V = this.graph.rows;
    const rowPtr = new Int32Array(V + 1);
    let cols: Int32Array = new Int32Array(1 << 16), vals: Float64Array = new Float64Array(1 << 16);
    let nnz = 0;
    const row: [number, number][] = [];
    for (let s = 0; s < V; s++) {
      this.march([s], cutoff, (v, d) => { if (v !== s) row.push([v, d]); });
      row.sort((x, y) => x[0] - y[0]);
      if (nnz + row.length > cols.length) {
        const n2 = Math.max(2 * cols.length, nnz + row.length);
        const c2 = new Int32Array(n2); c2.set(cols); cols = c2;
        const v2 = new Float64Array(n2); v2.set(vals); vals = v2;
      }
      for (const [v, d] of row) { cols[nnz] = v; vals[nnz++] = d; }
      row.length = 0;
      rowPtr[s + 1] = nnz;
    }
    return { rows: V, cols: V, rowPtr, colIndex: cols.slice(0, nnz), values: vals.slice(0, nnz) };
  }
}

/** Distances along mesh edges (Dijkstra) from the nearest source: the 'edges' method on a graph. */
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

/** TVB's LocalConnectivity matrix for a mesh (see the module comment). */
export function localConnectivity(surface: Surface, spec: LocalConnectivitySpec = {}, what = 'localConnectivity'): CsrMatrix {
  if (spec.kind === 'neighbours') return neighbourAverage(surface, what);
  const cutoff = spec.cutoff ?? 40;
  if (!(cutoff > 0) || !Number.isFinite(cutoff)) throw new Error(`${what}.cutoff: expected a positive distance in mm, got ${cutoff}`);
  const eqName = spec.equation ?? 'Gaussian';
  if (!SPATIAL_EQUATIONS.includes(eqName)) throw new Error(`${what}.equation: '${eqName}' is not a spatial equation; expected one of ${SPATIAL_EQUATIONS.join(', ')}`);
  const f = compileEquation(getEquation(eqName), spec.parameters ?? {});
  const D = new SurfaceDistances(surface, spec.distance ?? 'fmm', `${what}: surface`).within(cutoff);
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

/**
 * The 1-ring neighbour average: row v has weight 1/degree(v) on each vertex sharing an edge with v.
 * This is what TVB ships as local_connectivity_16384.mat (all 98 280 entries: the mesh's edges,
 * weights 1/degree; test/surface-mesh.test.ts compares them entry by entry).
 */
export function neighbourAverage(surface: Surface, what = 'localConnectivity'): CsrMatrix {
  const g = meshGraph(surface, `${what}: surface`);
  const values = new Float64Array(g.values.length);
  for (let i = 0; i < g.rows; i++) {
    const deg = g.rowPtr[i + 1] - g.rowPtr[i];
    for (let k = g.rowPtr[i]; k < g.rowPtr[i + 1]; k++) values[k] = 1 / deg;
  }
  // columns ascending within each row, as a CSR from a sparse file is
  const cols = g.colIndex.slice();
  for (let i = 0; i < g.rows; i++) {
    const seg = Array.from(cols.subarray(g.rowPtr[i], g.rowPtr[i + 1])).sort((a, b) => a - b);
    cols.set(seg, g.rowPtr[i]);
  }
  return { ...g, colIndex: cols, values };
}
