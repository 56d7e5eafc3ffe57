/**
 * Parameter spaces for explorations. A space is a list of dimensions; each dimension carries one or
 * more named value columns of equal length (several when axes are zipped or sampled jointly). The
 * points of a space are the C-order product of its dimensions (last dimension fastest), so results
 * reshape directly to `shape`.
 */
import { sobolPoints } from './sobol.js';
import { RandomState } from '../random/index.js';

export type DimKind = 'grid' | 'log-grid' | 'values' | 'random' | 'sobol' | 'zip';

export interface Dim {
  kind: DimKind;
  /** Parameter names (e.g. `G`, `coupling.a`, `noise.nsig`). */
  names: string[];
  /** One column per name, all of length `n`. */
  values: Float64Array[];
}

function dimLength(d: Dim): number {
  return d.values[0].length;
}

/**
 * An exploration space.
 *
 * @example
 * ```ts
 * import { grid, logGrid, product } from 'vbt/algorithms';
 * const s = product(grid('coupling.a', 0, 1, 3), logGrid('noise.nsig', 1e-6, 1e-4, 3));
 * s.shape;     // [3, 3]
 * s.point(4);  // { 'coupling.a': 0.5, 'noise.nsig': 1e-5 }
 * ```
 */
export class Space {
  readonly dims: Dim[];
  constructor(dims: Dim[]) {
    const names = new Set<string>();
    for (const d of dims) {
      if (d.names.length === 0 || d.names.length !== d.values.length) throw new Error('Space: every dimension needs one value column per name');
      const n = dimLength(d);
      if (n === 0) throw new Error(`Space: dimension of ${d.names.join(', ')} is empty`);
      for (let k = 0; k < d.names.length; k++) {
        const nm = d.names[k];
        if (names.has(nm)) throw new Error(`Space: parameter '${nm}' appears in two dimensions`);
        names.add(nm);
        if (d.values[k].length !== n) throw new Error(`Space: column '${nm}' has ${d.values[k].length} values; expected ${n}`);
        for (const v of d.values[k]) if (!Number.isFinite(v)) throw new Error(`Space: column '${nm}' has a non-finite value ${v}`);
      }
    }
    this.dims = dims;
  }
  get shape(): number[] {
    return this.dims.map(dimLength);
  }
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  get names(): string[] {
    return this.dims.flatMap((d) => d.names);
  }
  /** Multi-index of flat point k (C order). */
  index(k: number): number[] {
    const sh = this.shape;
    if (!(Number.isInteger(k) && k >= 0 && k < this.size)) throw new Error(`Space: point ${k} out of range 0..${this.size - 1}`);
    const idx = new Array<number>(sh.length);
    for (let d = sh.length - 1; d >= 0; d--) {
      idx[d] = k % sh[d];
      k = Math.floor(k / sh[d]);
    }
    return idx;
  }
  point(k: number): Record<string, number> {
    const idx = this.index(k);
    const out: Record<string, number> = {};
    this.dims.forEach((d, di) => d.names.forEach((nm, c) => (out[nm] = d.values[c][idx[di]])));
    return out;
  }
  points(): Record<string, number>[] {
    return Array.from({ length: this.size }, (_, k) => this.point(k));
  }
  toJSON(): { dims: { kind: DimKind; names: string[]; values: number[][] }[] } {
    return { dims: this.dims.map((d) => ({ kind: d.kind, names: d.names, values: d.values.map((v) => Array.from(v)) })) };
  }
  static fromJSON(j: { dims: { kind: DimKind; names: string[]; values: number[][] }[] }): Space {
    if (!j || !Array.isArray(j.dims)) throw new Error('Space.fromJSON: expected { dims: [...] }');
    return new Space(j.dims.map((d) => ({ kind: d.kind, names: d.names, values: d.values.map((v) => Float64Array.from(v)) })));
  }
}

function checkCount(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what}: n=${n}; expected a positive integer`);
}

/** n evenly spaced values from lo to hi inclusive (n = 1 gives lo). */
export function grid(name: string, lo: number, hi: number, n: number): Space {
  checkCount(n, `grid ${name}`);
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) throw new Error(`grid ${name}: bounds [${lo}, ${hi}] must be finite`);
  const v = Float64Array.from({ length: n }, (_, k) => (n === 1 ? lo : lo + ((hi - lo) * k) / (n - 1)));
  return new Space([{ kind: 'grid', names: [name], values: [v] }]);
}

/** n values evenly spaced in log10 from lo to hi (both > 0). */
export function logGrid(name: string, lo: number, hi: number, n: number): Space {
  checkCount(n, `logGrid ${name}`);
  if (!(lo > 0 && hi > 0)) throw new Error(`logGrid ${name}: bounds [${lo}, ${hi}] must both be > 0`);
  const a = Math.log10(lo), b = Math.log10(hi);
  const v = Float64Array.from({ length: n }, (_, k) => (n === 1 ? lo : 10 ** (a + ((b - a) * k) / (n - 1))));
  return new Space([{ kind: 'log-grid', names: [name], values: [v] }]);
}

/** Explicit values. */
export function values(name: string, vals: ArrayLike<number>): Space {
  if (vals.length === 0) throw new Error(`values ${name}: empty list`);
  return new Space([{ kind: 'values', names: [name], values: [Float64Array.from(vals)] }]);
}

export type Bounds = Record<string, [number, number]>;

function checkBoundsMap(b: Bounds, what: string): string[] {
  const names = Object.keys(b);
  if (names.length === 0) throw new Error(`${what}: no parameters`);
  for (const nm of names) {
    const [lo, hi] = b[nm];
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) throw new Error(`${what}: bounds of ${nm} [${lo}, ${hi}] invalid; expected finite lo ≤ hi`);
  }
  return names;
}

/** n uniform random points in the box `bounds`, one joint dimension; seeded (numpy RandomState). */
export function randomSamples(bounds: Bounds, n: number, seed = 42): Space {
  checkCount(n, 'randomSamples');
  const names = checkBoundsMap(bounds, 'randomSamples');
  const rs = new RandomState(seed);
  const cols = names.map(() => new Float64Array(n));
  for (let k = 0; k < n; k++) {
    names.forEach((nm, c) => {
      const [lo, hi] = bounds[nm];
      cols[c][k] = lo + (hi - lo) * rs.randomSample();
    });
  }
  return new Space([{ kind: 'random', names, values: cols }]);
}

/** n Sobol' points in the box `bounds` (first point skipped by default: it is the corner). */
export function sobolSamples(bounds: Bounds, n: number, skip = 1): Space {
  checkCount(n, 'sobolSamples');
  const names = checkBoundsMap(bounds, 'sobolSamples');
  const pts = sobolPoints(n, names.length, skip);
  const cols = names.map((nm, c) => {
    const [lo, hi] = bounds[nm];
    return Float64Array.from(pts, (p) => lo + (hi - lo) * p[c]);
  });
  return new Space([{ kind: 'sobol', names, values: cols }]);
}

/** Cartesian product: every combination, first space's dimensions outermost. */
export function product(...spaces: Space[]): Space {
  if (spaces.length === 0) throw new Error('product: no spaces');
  return new Space(spaces.flatMap((s) => s.dims));
}

/** Element-wise pairing of spaces of one dimension each and equal length. */
export function zip(...spaces: Space[]): Space {
  if (spaces.length === 0) throw new Error('zip: no spaces');
  const n = spaces[0].size;
  for (const s of spaces) {
    if (s.dims.length !== 1) throw new Error(`zip: every space must have one dimension; ${s.names.join(', ')} has ${s.dims.length}`);
    if (s.size !== n) throw new Error(`zip: lengths differ (${s.names.join(', ')} has ${s.size}, expected ${n})`);
  }
  return new Space([{ kind: 'zip', names: spaces.flatMap((s) => s.dims[0].names), values: spaces.flatMap((s) => s.dims[0].values) }]);
}
