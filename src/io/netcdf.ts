/**
 * netCDF-4 files written as plain HDF5 with dimension scales, so that netCDF-C, xarray (netcdf4 and
 * h5netcdf engines) and h5py all see named dimensions and coordinates. A dimension is a 1-D dataset
 * named after it and made a scale; every axis of every variable is attached to its scale; a dimension
 * without coordinate values gets netCDF's "not a netCDF variable" NAME marker. The default libver
 * is kept on purpose: files written with libver "latest" do not open in netCDF-C 4.9 / HDF5 1.10.
 *
 * @example
 * ```ts
 * import { writeNetcdf, readNetcdf } from 'vbt';
 * await writeNetcdf('x.nc', {
 *   attrs: { title: 'demo' },
 *   dims: [{ name: 'time', size: 3, values: new Float64Array([0, 1, 2]), attrs: { units: 'ms' } }],
 *   variables: [{ name: 'v', dims: ['time'], data: new Float64Array([1, 2, 3]) }],
 * });
 * const ds = await readNetcdf('x.nc'); // same structure back
 * ```
 */
import type { WriteOptions } from './atomic.js';
import { writeH5Atomic, withH5, isDataset, type H5File, type H5Dataset, type H5Group } from './h5.js';

export type NcAttr = string | number | readonly number[] | readonly string[];

export interface NcDim {
  name: string;
  size: number;
  /** Coordinate values; without them the dimension is listed but has no coordinate variable. */
  values?: Float64Array | Int32Array | readonly number[] | readonly string[];
  attrs?: Record<string, NcAttr>;
  /** Unlimited (growable) dimension, as TVB's simulator writes its time axis. */
  unlimited?: boolean;
  /**
   * HDF5 chunk length of an unlimited dimension's coordinate (default min(size, 4096)). A file that starts at one
   * sample and grows needs it: chunks of 1 would give every sample its own chunk and index entry.
   */
  chunk?: number;
}

export interface NcVariable {
  name: string;
  dims: string[];
  data: Float64Array | Float32Array | Int32Array;
  attrs?: Record<string, NcAttr>;
  /** Growable axes (null) for data appended later (streaming); needs `chunks`. */
  maxshape?: (number | null)[];
  chunks?: number[];
}

export interface NcDataset {
  dims: NcDim[];
  variables: NcVariable[];
  attrs: Record<string, NcAttr>;
}

export const NC_NOT_A_VARIABLE = 'This is a netCDF dimension but not a netCDF variable.';

/** netCDF-C's NAME text for a coordinate-less dimension: the marker and the length as `%10d`. */
export function ncDimensionMarker(size: number): string {
  return NC_NOT_A_VARIABLE + String(size).padStart(10, ' ');
}

/** Attributes with the HDF5 types netCDF maps cleanly: vlen strings, float64 numbers. */
export function putNcAttrs(obj: H5Group | H5Dataset, attrs: Record<string, NcAttr> | undefined): void {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (typeof v === 'string') obj.create_attribute(k, v);
    else if (typeof v === 'number') obj.create_attribute(k, v, null, '<d');
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) obj.create_attribute(k, [...(v as string[])], [v.length]);
    else if (Array.isArray(v)) obj.create_attribute(k, Float64Array.from(v as number[]), [v.length], '<d');
    else throw new Error(`netCDF attribute '${k}': unsupported value ${JSON.stringify(v)}`);
  }
}

/** Chunk shape for gzip: whole trailing axes, leading axes cut until a chunk is at most ~128k values. */
function chunksFor(shape: number[]): number[] {
  const c = shape.map((s) => Math.max(1, s));
  for (let a = 0; a < c.length; a++) {
    while (c.reduce((x, y) => x * y, 1) > 131072 && c[a] > 1) c[a] = Math.ceil(c[a] / 2);
  }
  return c;
}

function checkDataset(ds: NcDataset): Map<string, NcDim> {
  const dims = new Map<string, NcDim>();
  const names = new Set<string>();
  for (const d of ds.dims) {
    if (!/^[A-Za-z_][A-Za-z0-9_.\-]*$/.test(d.name)) throw new Error(`netCDF: dimension name '${d.name}' is not a valid netCDF name`);
    if (dims.has(d.name)) throw new Error(`netCDF: dimension '${d.name}' declared twice`);
    if (!Number.isInteger(d.size) || d.size < 1) throw new Error(`netCDF: dimension '${d.name}' has size ${d.size}; expected a positive integer`);
    if (d.values && d.values.length !== d.size) throw new Error(`netCDF: dimension '${d.name}' has ${d.values.length} coordinate values for size ${d.size}`);
    dims.set(d.name, d);
    names.add(d.name);
  }
  for (const v of ds.variables) {
    if (!/^[A-Za-z_][A-Za-z0-9_.\-]*$/.test(v.name)) throw new Error(`netCDF: variable name '${v.name}' is not a valid netCDF name`);
    if (names.has(v.name)) throw new Error(`netCDF: variable '${v.name}' clashes with a dimension or another variable`);
    names.add(v.name);
    let n = 1;
    for (const dn of v.dims) {
      const d = dims.get(dn);
      if (!d) throw new Error(`netCDF: variable '${v.name}' uses undeclared dimension '${dn}'`);
      n *= d.size;
    }
    if (v.data.length !== n) {
      throw new Error(`netCDF: variable '${v.name}' has ${v.data.length} values but its dimensions (${v.dims.join(', ')}) give shape [${v.dims.map((x) => dims.get(x)!.size).join(', ')}] = ${n}`);
    }
  }
  return dims;
}

export interface NcWriteOptions extends WriteOptions {
  /**
   * gzip level (1–9) for variables over 4096 values; default 0 = none. Simulated float64 data barely
   * compress (≈5 %) while gzip costs ~10× the write time, hence off unless asked for.
   */
  gzip?: number;
}

/** Write the dataset's dimensions and variables into an open HDF5 file (root group). */
export function fillNetcdf(f: H5File, ds: NcDataset, opts: NcWriteOptions = {}): void {
  const level = opts.gzip ?? 0;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new Error(`netCDF: gzip level must be an integer 0–9, got ${level}`);
  const dims = checkDataset(ds);
  putNcAttrs(f, ds.attrs);
  for (const d of ds.dims) {
    let set: H5Dataset;
    const extra = d.unlimited ? { maxshape: [null], chunks: [d.chunk ?? Math.max(1, Math.min(d.size, 4096))] } : {};
    if (d.values && d.values.length && typeof d.values[0] === 'string') {
      set = f.create_dataset({ name: d.name, data: [...(d.values as string[])], shape: [d.size], ...extra });
      set.make_scale(d.name);
    } else if (d.values) {
      const data = d.values instanceof Int32Array ? d.values : Float64Array.from(d.values as ArrayLike<number>);
      set = f.create_dataset({ name: d.name, data, shape: [d.size], dtype: data instanceof Int32Array ? '<i' : '<d', ...extra });
      set.make_scale(d.name);
    } else {
      set = f.create_dataset({ name: d.name, data: new Float32Array(d.size), shape: [d.size], dtype: '<f', ...extra });
      set.make_scale(ncDimensionMarker(d.size));
    }
    putNcAttrs(set, d.attrs);
  }
  for (const v of ds.variables) {
    const shape = v.dims.map((x) => dims.get(x)!.size);
    const big = level > 0 && v.data.length > 4096 && shape.length > 0;
    const dtype = v.data instanceof Float32Array ? '<f' : v.data instanceof Int32Array ? '<i' : '<d';
    const set = f.create_dataset({
      name: v.name,
      data: v.data,
      shape,
      dtype,
      ...(big ? { chunks: chunksFor(shape), compression: 'gzip' as const, compression_opts: level } : {}),
      ...(v.maxshape ? { maxshape: v.maxshape, chunks: v.chunks ?? chunksFor(shape) } : {}),
    });
    v.dims.forEach((dn, i) => set.attach_scale(i, dn));
    putNcAttrs(set, v.attrs);
  }
}

/** Write a netCDF-4 file atomically (temp file + rename). */
export async function writeNetcdf(path: string, ds: NcDataset, opts: NcWriteOptions = {}): Promise<void> {
  checkDataset(ds);
  await writeH5Atomic(path, (f) => fillNetcdf(f, ds, opts), opts);
}

function readAttrs(obj: H5Group | H5Dataset, skip: Set<string>): Record<string, NcAttr> {
  const out: Record<string, NcAttr> = {};
  for (const [k, a] of Object.entries(obj.attrs)) {
    if (skip.has(k)) continue;
    let v = a.value as unknown;
    if (typeof v === 'bigint') v = Number(v);
    if (ArrayBuffer.isView(v)) v = Array.from(v as unknown as ArrayLike<number | bigint>, Number);
    if (typeof v === 'string' || typeof v === 'number' || Array.isArray(v)) out[k] = v as NcAttr;
  }
  return out;
}

const SCALE_ATTRS = new Set(['CLASS', 'NAME', 'REFERENCE_LIST', 'DIMENSION_LIST', '_Netcdf4Dimid', '_Netcdf4Coordinates', '_NCProperties']);

/** Read back a file written by `writeNetcdf` (or any netCDF-4 file with dimension scales in its root group). */
export async function readNetcdf(path: string): Promise<NcDataset> {
  return withH5(path, (f) => readNetcdfGroup(f, path));
}

export function readNetcdfGroup(f: H5Group, file: string): NcDataset {
  const dims: NcDim[] = [];
  const variables: NcVariable[] = [];
  const sets: [string, H5Dataset][] = [];
  for (const k of f.keys()) {
    const o = f.get(k);
    if (isDataset(o)) sets.push([k, o]);
  }
  for (const [k, d] of sets) {
    if (d.attrs.CLASS?.value !== 'DIMENSION_SCALE') continue;
    const name = String(d.attrs.NAME?.value ?? k);
    const size = d.shape?.[0] ?? 0;
    const dim: NcDim = { name: k, size, attrs: readAttrs(d, SCALE_ATTRS) };
    if (!name.startsWith(NC_NOT_A_VARIABLE)) {
      const v = d.value;
      if (Array.isArray(v)) dim.values = v as string[];
      else if (v instanceof Int32Array) dim.values = v;
      else if (ArrayBuffer.isView(v)) dim.values = Float64Array.from(v as unknown as ArrayLike<number>, Number);
    }
    if ((d.metadata as { maxshape?: number[] }).maxshape?.[0] !== undefined && ((d.metadata as { maxshape?: number[] }).maxshape![0] > 1e18)) dim.unlimited = true;
    dims.push(dim);
  }
  const dimNames = new Set(dims.map((d) => d.name));
  for (const [k, d] of sets) {
    if (dimNames.has(k)) continue;
    const shape = d.shape ?? [];
    const vd: string[] = [];
    for (let i = 0; i < shape.length; i++) {
      const scales = d.get_attached_scales(i);
      if (!scales.length) throw new Error(`${file}: variable '${k}' axis ${i} has no dimension scale; not a netCDF-4 file vbt can read`);
      vd.push(scales[0].replace(/^\//, ''));
    }
    const v = d.value;
    let data: Float64Array | Float32Array | Int32Array;
    if (v instanceof Float64Array || v instanceof Float32Array || v instanceof Int32Array) data = v;
    else if (ArrayBuffer.isView(v)) data = Float64Array.from(v as unknown as ArrayLike<number>, Number);
    else if (typeof v === 'number') data = Float64Array.of(v);
    else throw new Error(`${file}: variable '${k}' is not numeric`);
    variables.push({ name: k, dims: vd, data, attrs: readAttrs(d, SCALE_ATTRS) });
  }
  return { dims, variables, attrs: readAttrs(f, SCALE_ATTRS) };
}
