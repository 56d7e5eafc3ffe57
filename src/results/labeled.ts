/**
 * A float64 n-d array with named dimensions and coordinates, and xarray-like selection: `isel`
 * by position, `sel` by coordinate value (labels, or numbers such as times). A scalar selector drops
 * the dimension; an array or a `{from, to}` range keeps it.
 *
 * @example
 * ```ts
 * import { LabeledArray } from 'vbt';
 * const a = new LabeledArray(new Float64Array([1, 2, 3, 4, 5, 6]), ['time', 'node'],
 *   { time: [0, 1, 2], node: ['rA1', 'lA1'] });
 * a.sel({ node: 'lA1' }).data;            // Float64Array [2, 4, 6], dims ['time']
 * a.sel({ time: { from: 1 } }).shape;     // [2, 2]
 * ```
 */

export type Coord = readonly number[] | readonly string[];
/** Position(s) or a half-open positional range [start, stop). */
export type ISelector = number | readonly number[] | { start?: number; stop?: number };
/** Coordinate value(s), or an inclusive value range (numbers: times; strings: labels). */
export type Selector = number | string | readonly (number | string)[] | { from?: number; to?: number };

export class LabeledArray {
  readonly shape: number[];

  constructor(
    readonly data: Float64Array,
    readonly dims: string[],
    readonly coords: Record<string, Coord> = {},
    readonly attrs: Record<string, string> = {},
    shape?: number[],
  ) {
    this.shape = shape ?? dims.map((d) => {
      const c = coords[d];
      if (!c) throw new Error(`LabeledArray: dimension '${d}' needs a coordinate or an explicit shape`);
      return c.length;
    });
    if (this.shape.length !== dims.length) throw new Error(`LabeledArray: ${dims.length} dims but shape [${this.shape.join(', ')}]`);
    const n = this.shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`LabeledArray: ${data.length} values for shape [${this.shape.join(', ')}] (dims ${dims.join(', ')})`);
    for (const [k, c] of Object.entries(coords)) {
      const i = dims.indexOf(k);
      if (i >= 0 && c.length !== this.shape[i]) throw new Error(`LabeledArray: coordinate '${k}' has ${c.length} values for dimension size ${this.shape[i]}`);
    }
  }

  private axis(dim: string): number {
    const i = this.dims.indexOf(dim);
    if (i < 0) throw new Error(`no dimension '${dim}'; dimensions are ${this.dims.join(', ')}`);
    return i;
  }

  /** Select by position along named dimensions. */
  isel(sel: Record<string, ISelector>): LabeledArray {
    const picks: (number[] | null)[] = this.dims.map(() => null);
    const drop = new Set<number>();
    for (const [dim, s] of Object.entries(sel)) {
      const a = this.axis(dim);
      const size = this.shape[a];
      const check = (k: number) => {
        if (!Number.isInteger(k) || k < -size || k >= size) throw new Error(`isel: index ${k} out of range for dimension '${dim}' of size ${size}`);
        return k < 0 ? k + size : k;
      };
      if (typeof s === 'number') {
        picks[a] = [check(s)];
        drop.add(a);
      } else if (Array.isArray(s)) {
        picks[a] = (s as number[]).map(check);
      } else {
        const r = s as { start?: number; stop?: number };
        const start = Math.max(0, r.start ?? 0);
        const stop = Math.min(size, r.stop ?? size);
        picks[a] = Array.from({ length: Math.max(0, stop - start) }, (_, k) => start + k);
      }
    }
    return this.take(picks, drop);
  }

  /** Select by coordinate value along named dimensions (exact match; ranges are inclusive). */
  sel(sel: Record<string, Selector>): LabeledArray {
    const isel: Record<string, ISelector> = {};
    for (const [dim, s] of Object.entries(sel)) {
      const coord = this.coords[dim];
      if (!coord) throw new Error(`sel: dimension '${dim}' has no coordinate; use isel`);
      const find = (v: number | string): number => {
        const k = (coord as readonly (number | string)[]).indexOf(v);
        if (k < 0) {
          const shown = coord.length > 12 ? `${coord.slice(0, 12).join(', ')}, ...` : coord.join(', ');
          throw new Error(`sel: ${JSON.stringify(v)} is not a coordinate of '${dim}' (${shown})`);
        }
        return k;
      };
      if (typeof s === 'number' || typeof s === 'string') isel[dim] = find(s);
      else if (Array.isArray(s)) isel[dim] = (s as (number | string)[]).map(find);
      else {
        const r = s as { from?: number; to?: number };
        const idx: number[] = [];
        (coord as readonly number[]).forEach((c, k) => {
          if ((r.from === undefined || c >= r.from) && (r.to === undefined || c <= r.to)) idx.push(k);
        });
        isel[dim] = idx;
      }
    }
    return this.isel(isel);
  }

  private take(picks: (number[] | null)[], drop: Set<number>): LabeledArray {
    const shape = this.shape;
    const full = picks.map((p, a) => p ?? Array.from({ length: shape[a] }, (_, k) => k));
    const newShape = full.map((p) => p.length);
    const strides = shape.map((_, a) => shape.slice(a + 1).reduce((x, y) => x * y, 1));
    const out = new Float64Array(newShape.reduce((a, b) => a * b, 1));
    const idx = new Array(shape.length).fill(0);
    for (let o = 0; o < out.length; o++) {
      let src = 0;
      for (let a = 0; a < shape.length; a++) src += full[a][idx[a]] * strides[a];
      out[o] = this.data[src];
      for (let a = shape.length - 1; a >= 0; a--) {
        if (++idx[a] < newShape[a]) break;
        idx[a] = 0;
      }
    }
    const dims: string[] = [];
    const coords: Record<string, Coord> = {};
    const keptShape: number[] = [];
    this.dims.forEach((d, a) => {
      if (drop.has(a)) return;
      dims.push(d);
      keptShape.push(newShape[a]);
      const c = this.coords[d];
      if (c) coords[d] = full[a].map((k) => (c as readonly (number | string)[])[k]) as Coord;
    });
    return new LabeledArray(out, dims, coords, { ...this.attrs }, keptShape);
  }

  /** Drop dimensions of size 1 (all of them, or the ones named). */
  squeeze(dims?: string[]): LabeledArray {
    const drop = (dims ?? this.dims.filter((_, a) => this.shape[a] === 1));
    for (const d of drop) {
      const a = this.axis(d);
      if (this.shape[a] !== 1) throw new Error(`squeeze: dimension '${d}' has size ${this.shape[a]}, not 1`);
    }
    const sel: Record<string, ISelector> = {};
    for (const d of drop) sel[d] = 0;
    return this.isel(sel);
  }

  /** The single value of a 0-d selection. */
  item(): number {
    if (this.data.length !== 1) throw new Error(`item(): array has ${this.data.length} values (shape [${this.shape.join(', ')}])`);
    return this.data[0];
  }
}
