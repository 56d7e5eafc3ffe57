/**
 * The outcome of an exploration: the space, one value per point for every observable, and the
 * views users want from a sweep — the grid as an array shaped like the space (heatmap-ready), a
 * slice at fixed values of some parameters, and the optimum.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../src/io/atomic.js';
import { Space, type Dim } from './space.js';
import * as project from '../src/results/experiment.js';
import { resultName } from './results.js';

export const EXPLORATION_SCHEMA = 'vbt-exploration/1';

export interface GridView {
  /** Space shape; data is C-order with the last dimension fastest. */
  shape: number[];
  /** Per dimension: its parameter names and their values along it. */
  axes: { names: string[]; values: Record<string, number[]> }[];
  data: Float64Array;
  /** data as nested arrays (rows of rows), for plotting libraries that want them. */
  nested: unknown[];
}

export interface Optimum {
  flatIndex: number;
  index: number[];
  value: number;
  parameters: Record<string, number>;
}

function nest(data: Float64Array, shape: number[], offset = 0): unknown[] {
  if (shape.length === 1) return Array.from(data.subarray(offset, offset + shape[0]));
  const stride = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] }, (_, k) => nest(data, shape.slice(1), offset + k * stride));
}

/**
 * @example
 * ```ts
 * import { ExplorationResult, grid, product } from 'vbt/algorithms';
 * const space = product(grid('a', 0, 1, 2), grid('b', 0, 1, 3));
 * const r = new ExplorationResult('demo', space, { loss: Float64Array.of(5, 4, 3, 2, 1, 0) });
 * r.asGrid('loss').nested;          // [[5, 4, 3], [2, 1, 0]]
 * r.optimal('loss').parameters;     // { a: 1, b: 1 }
 * r.slice({ a: 0 }).results.loss;   // [5, 4, 3]
 * ```
 */
export class ExplorationResult {
  constructor(
    readonly name: string,
    readonly space: Space,
    readonly results: Record<string, Float64Array>,
    readonly metadata: Record<string, unknown> = {},
  ) {
    for (const [k, v] of Object.entries(results)) {
      if (v.length !== space.size) throw new Error(`ExplorationResult: observable '${k}' has ${v.length} values; the space has ${space.size} points`);
    }
  }

  get shape(): number[] {
    return this.space.shape;
  }

  get observables(): string[] {
    return Object.keys(this.results);
  }

  private values(observable?: string): Float64Array {
    const name = observable ?? this.observables[0];
    const v = this.results[name];
    if (!v) throw new Error(`ExplorationResult: no observable '${name}'; have ${this.observables.join(', ') || 'none'}`);
    return v;
  }

  /** The observable shaped like the space, with the axis values. */
  asGrid(observable?: string): GridView {
    const data = this.values(observable);
    return {
      shape: this.shape,
      axes: this.space.dims.map((d) => ({ names: d.names, values: Object.fromEntries(d.names.map((nm, c) => [nm, Array.from(d.values[c])])) })),
      data,
      nested: nest(data, this.shape),
    };
  }

  /**
   * Fix some parameters (each to the nearest value on its dimension) and drop those dimensions.
   * Zipped/sampled dimensions are fixed by any one of their names.
   */
  slice(fixed: Record<string, number>): ExplorationResult {
    const dims = this.space.dims;
    const pick = new Array<number>(dims.length).fill(-1);
    for (const [nm, val] of Object.entries(fixed)) {
      const di = dims.findIndex((d) => d.names.includes(nm));
      if (di < 0) throw new Error(`ExplorationResult.slice: '${nm}' is not a parameter of this space (${this.space.names.join(', ')})`);
      const col = dims[di].values[dims[di].names.indexOf(nm)];
      let best = 0;
      for (let k = 1; k < col.length; k++) if (Math.abs(col[k] - val) < Math.abs(col[best] - val)) best = k;
      if (pick[di] >= 0 && pick[di] !== best) throw new Error(`ExplorationResult.slice: '${nm}' = ${val} conflicts with another value fixed on the same dimension`);
      pick[di] = best;
    }
    const keep = dims.map((_, di) => pick[di] < 0);
    const newDims: Dim[] = dims.filter((_, di) => keep[di]);
    const shape = this.shape;
    const newShape = newDims.map((d) => d.values[0].length);
    const size = newShape.reduce((a, b) => a * b, 1);
    const results: Record<string, Float64Array> = {};
    for (const [k, v] of Object.entries(this.results)) results[k] = new Float64Array(size);
    const idx = new Array<number>(dims.length);
    for (let q = 0; q < size; q++) {
      let r = q;
      for (let di = dims.length - 1; di >= 0; di--) {
        if (!keep[di]) { idx[di] = pick[di]; continue; }
        idx[di] = r % shape[di];
        r = Math.floor(r / shape[di]);
      }
      let flat = 0;
      for (let di = 0; di < dims.length; di++) flat = flat * shape[di] + idx[di];
      for (const k of Object.keys(results)) results[k][q] = this.results[k][flat];
    }
    const fixedValues = Object.fromEntries(dims.flatMap((d, di) => (keep[di] ? [] : d.names.map((nm, c) => [nm, d.values[c][pick[di]]]))));
    if (newDims.length === 0) {
      // everything fixed: a one-point space of explicit values
      const one = new Space([{ kind: 'values', names: Object.keys(fixedValues), values: Object.values(fixedValues).map((v) => Float64Array.of(v as number)) }]);
      return new ExplorationResult(this.name, one, results, { ...this.metadata, fixed: fixedValues });
    }
    return new ExplorationResult(this.name, new Space(newDims), results, { ...this.metadata, fixed: fixedValues });
  }

  /** Best point (NaNs ignored): argmin by default, argmax with mode 'max'. */
  optimal(observable?: string, mode: 'min' | 'max' = 'min'): Optimum {
    const v = this.values(observable);
    let best = -1;
    for (let k = 0; k < v.length; k++) {
      if (Number.isNaN(v[k])) continue;
      if (best < 0 || (mode === 'min' ? v[k] < v[best] : v[k] > v[best])) best = k;
    }
    if (best < 0) throw new Error(`ExplorationResult.optimal: every value of '${observable ?? this.observables[0]}' is NaN`);
    return { flatIndex: best, index: this.space.index(best), value: v[best], parameters: this.space.point(best) };
  }

  /**
   * The project's single-observable ExplorationResult (src/results) for an ExperimentResult file.
   * A zipped or sampled dimension becomes one axis named after its first parameter.
   */
  toResult(observable?: string): project.ExplorationResult {
    const name = observable ?? this.observables[0];
    return new project.ExplorationResult({
      name: resultName(this.name), observable: name, results: this.values(name),
      axes: this.space.dims.map((d) => ({ name: d.names[0], values: Array.from(d.values[0]) })),
    });
  }

  toJSON(): Record<string, unknown> {
    return {
      schema: EXPLORATION_SCHEMA,
      name: this.name,
      space: this.space.toJSON(),
      // NaN is not JSON: written as null and read back as NaN
      results: Object.fromEntries(Object.entries(this.results).map(([k, v]) => [k, Array.from(v, (x) => (Number.isFinite(x) ? x : null))])),
      metadata: this.metadata,
    };
  }

  /** Writes JSON atomically (temp file + rename). */
  save(path: string): void {
    writeFileAtomic(path, JSON.stringify(this.toJSON()));
  }

  static fromJSON(j: Record<string, unknown>, where = 'ExplorationResult'): ExplorationResult {
    if (j.schema !== EXPLORATION_SCHEMA) throw new Error(`${where}: schema ${JSON.stringify(j.schema)}; expected ${EXPLORATION_SCHEMA}`);
    const res = j.results as Record<string, (number | null)[]>;
    if (!res || typeof res !== 'object') throw new Error(`${where}: missing 'results'`);
    const results = Object.fromEntries(Object.entries(res).map(([k, v]) => [k, Float64Array.from(v, (x) => (x === null ? NaN : x))]));
    return new ExplorationResult(String(j.name ?? ''), Space.fromJSON(j.space as never), results, (j.metadata as Record<string, unknown>) ?? {});
  }

  static load(path: string): ExplorationResult {
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`ExplorationResult.load: cannot read ${path}: ${(e as Error).message}`);
    }
    return ExplorationResult.fromJSON(j, path);
  }
}
