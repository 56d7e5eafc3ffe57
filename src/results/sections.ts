/**
 * Helpers that store result sections in one netCDF dataset: variables named by the section path
 * joined with `__` (tvbo's ExperimentResult.save layout), their dimensions prefixed the same way,
 * and each section's scalar fields as one JSON attribute `<prefix>__vbt_attrs`.
 */
import { LabeledArray } from './labeled.js';
import { RESULT_SCHEMA_VERSION, checkSchemaVersion } from './simulation.js';
import type { NcDataset, NcDim, NcVariable } from '../io/netcdf.js';

export const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
export function checkName(kind: string, name: string): void {
  if (!NAME.test(name) || name.includes('__')) throw new Error(`${kind} name '${name}' must start with a letter and use only letters, digits and single underscores (it becomes part of netCDF names)`);
}

/** Coordinate-safe netCDF dimension name fragment for an axis called e.g. 'coupling.a'. */
export function axisKey(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Write a labelled array into a dataset under `prefix__name`, dims `prefix__name__<dim>`. */
export function putArray(ds: NcDataset, prefix: string, name: string, a: LabeledArray): void {
  const base = `${prefix}__${name}`;
  const dims = a.dims.map((d, i) => {
    const dn = `${base}__${axisKey(d)}`;
    const c = a.coords[d];
    const dim: NcDim = { name: dn, size: a.shape[i], attrs: { vbt_dim: d } };
    if (c) dim.values = typeof c[0] === 'string' ? (c as string[]) : Float64Array.from(c as number[]);
    ds.dims.push(dim);
    return dn;
  });
  ds.variables.push({ name: base, dims, data: a.data, attrs: { ...a.attrs, vbt_dims: JSON.stringify(a.dims) } });
}

export function getArray(ds: NcDataset, prefix: string, name: string, file: string): LabeledArray {
  const base = `${prefix}__${name}`;
  const v = ds.variables.find((x) => x.name === base);
  if (!v) throw new Error(`${file}: missing variable '${base}'`);
  return fromVariable(ds, v, file);
}

export function fromVariable(ds: NcDataset, v: NcVariable, file: string): LabeledArray {
  const names = JSON.parse(String(v.attrs?.vbt_dims ?? '[]')) as string[];
  if (names.length !== v.dims.length) throw new Error(`${file}: variable '${v.name}' has ${v.dims.length} dimensions but vbt_dims lists ${names.length}`);
  const coords: Record<string, number[] | string[]> = {};
  const shape = v.dims.map((dn, i) => {
    const d = ds.dims.find((x) => x.name === dn);
    if (!d) throw new Error(`${file}: variable '${v.name}' uses unknown dimension '${dn}'`);
    if (d.values) coords[names[i]] = Array.isArray(d.values) ? [...(d.values as string[])] : Array.from(d.values as ArrayLike<number>);
    return d.size;
  });
  const attrs: Record<string, string> = {};
  for (const [k, x] of Object.entries(v.attrs ?? {})) if (k !== 'vbt_dims' && typeof x === 'string') attrs[k] = x;
  return new LabeledArray(Float64Array.from(v.data), names, coords, attrs, shape);
}

export function putMeta(ds: NcDataset, prefix: string, meta: Record<string, unknown>): void {
  ds.attrs[`${prefix}__vbt_attrs`] = JSON.stringify({ vbt_schema_version: RESULT_SCHEMA_VERSION, ...meta });
}

export function getMeta(ds: NcDataset, prefix: string, cls: string, file: string): Record<string, unknown> {
  const raw = ds.attrs[`${prefix}__vbt_attrs`];
  if (typeof raw !== 'string') throw new Error(`${file}: missing attribute '${prefix}__vbt_attrs'`);
  const meta = JSON.parse(raw) as Record<string, unknown>;
  checkSchemaVersion(meta.vbt_schema_version, file);
  if (meta.vbt_class !== cls) throw new Error(`${file}: ${prefix} holds a ${String(meta.vbt_class)}, expected ${cls}`);
  return meta;
}

export const historyArray = (name: string, values: readonly number[]) =>
  new LabeledArray(Float64Array.from(values), ['iteration'], { iteration: values.map((_, k) => k) }, { quantity: name });


export function mergeInto(ds: NcDataset, part: NcDataset): void {
  ds.dims.push(...part.dims);
  ds.variables.push(...part.variables);
  Object.assign(ds.attrs, part.attrs);
}

/** A name the result containers accept (letters, digits, single underscores). */
export function resultName(s: string): string {
  const t = s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Za-z]/.test(t) ? t : `r_${t}`;
}

/** Per-iteration series stored as `history_<name>` arrays; the names (original, netCDF-safe) go in the section's attributes. */
export function putHistory(ds: NcDataset, prefix: string, history: Record<string, number[]>): [string, string][] {
  const names = Object.keys(history).map((k) => [k, resultName(k)] as [string, string]);
  for (const [k, key] of names) putArray(ds, prefix, `history_${key}`, historyArray(k, history[k]));
  return names;
}

/** Reads what putHistory stored; files written before the merge list plain names. */
export function getHistory(ds: NcDataset, prefix: string, names: (string | [string, string])[], file: string): Record<string, number[]> {
  const history: Record<string, number[]> = {};
  for (const h of names) {
    const [k, key] = typeof h === 'string' ? [h, h] : h;
    history[k] = Array.from(getArray(ds, prefix, `history_${key}`, file).data);
  }
  return history;
}
