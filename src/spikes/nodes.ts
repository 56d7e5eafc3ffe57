/**
 * Node properties for spike reports: a column table per population (built from plain columns or a
 * vbt Connectivity's per-region metadata; SONATA files in sonata-nodes.ts), and node groups
 * resolved to ids with bluepysnap's query semantics:
 * - a float property takes an inclusive range `[lo, hi]`;
 * - any other property takes a value or a list of values (membership), `'regex:PATTERN'` or
 *   `{ $regex: PATTERN }` (full match);
 * - `node_id` restricts to ids, `population` to population names, `$or` / `$and` combine sub-queries.
 */
import type { Connectivity } from '../network/connectivity.js';

export type ColumnKind = 'float' | 'int' | 'string' | 'bool';
export interface NodeColumn {
  kind: ColumnKind;
  values: Float64Array | readonly string[] | readonly boolean[];
}

/** Raw column input: typed arrays keep their kind (float arrays are 'float', integer arrays 'int'); number[] is 'int' when every value is an integer. */
export type NodeColumnInput = ArrayLike<number> | readonly string[] | readonly boolean[];

/** A group of nodes: one id, a list or typed array of ids, a property query, or a node-set name. */
export type NodeGroup = number | ArrayLike<number> | NodeQuery | string;
export type NodeQueryValue = number | string | boolean | readonly (number | string | boolean)[] | { $regex: string };
export interface NodeQuery {
  [property: string]: NodeQueryValue | readonly NodeQuery[] | undefined;
}

function columnFrom(name: string, v: NodeColumnInput, n: number): NodeColumn {
  if (v.length !== n) throw new Error(`node property '${name}' has ${v.length} values, expected ${n} (one per node)`);
  if (v instanceof Float64Array || v instanceof Float32Array) return { kind: 'float', values: Float64Array.from(v) };
  if (ArrayBuffer.isView(v)) return { kind: 'int', values: Float64Array.from(v as ArrayLike<number>) };
  const arr = Array.from(v as ArrayLike<unknown>);
  if (arr.every((x) => typeof x === 'string')) return { kind: 'string', values: arr as string[] };
  if (arr.every((x) => typeof x === 'boolean')) return { kind: 'bool', values: arr as boolean[] };
  if (arr.every((x) => typeof x === 'number')) {
    const f = Float64Array.from(arr as number[]);
    return { kind: f.every((x) => Number.isInteger(x)) ? 'int' : 'float', values: f };
  }
  throw new Error(`node property '${name}': values must be all numbers, all strings or all booleans`);
}

/**
 * Per-node properties of one population (node ids are 0..size-1).
 *
 * @example
 * ```ts
 * import { NodeTable } from 'vbt';
 * const t = new NodeTable({ layer: [2, 2, 5], mtype: ['PC', 'BC', 'PC'], x: new Float64Array([0, 1, 2]) });
 * t.ids({ mtype: 'PC', x: [0.5, 3] }); // Uint32Array [2]
 * ```
 */
export class NodeTable {
  readonly size: number;
  readonly columns: Record<string, NodeColumn>;
  constructor(columns: Record<string, NodeColumnInput>, size?: number) {
    const names = Object.keys(columns);
    const n = size ?? (names.length ? columns[names[0]].length : 0);
    if (!(Number.isInteger(n) && n >= 0)) throw new Error(`node table size ${n} is not a non-negative integer`);
    this.size = n;
    this.columns = {};
    for (const k of names) this.columns[k] = columnFrom(k, columns[k], n);
  }

  /** A copy with more (or replaced) columns. */
  withColumns(extra: Record<string, NodeColumnInput>): NodeTable {
    const cols: Record<string, NodeColumnInput> = {};
    for (const [k, c] of Object.entries(this.columns)) cols[k] = c.kind === 'int' ? Int32Array.from(c.values as Float64Array) : (c.values as Float64Array | string[] | boolean[]);
    return new NodeTable({ ...cols, ...extra }, this.size);
  }

  get propertyNames(): string[] {
    return Object.keys(this.columns);
  }

  has(property: string): boolean {
    return property in this.columns;
  }

  column(property: string): NodeColumn {
    const c = this.columns[property];
    if (!c) throw new Error(`no node property '${property}'; available: ${this.propertyNames.join(', ') || 'none'}`);
    return c;
  }

  /** Value of a property for each given id, as numbers (strings and booleans stay as they are). */
  get(property: string, ids: ArrayLike<number>): (number | string | boolean)[] {
    const c = this.column(property);
    const out = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = (c.values as ArrayLike<number | string | boolean>)[ids[i]];
    return out;
  }

  /**
   * Ids (sorted, unique) of a group; `population` is this table's population name for `population`
   * queries. With `raiseMissingProperty` false (selections across populations), unknown properties
   * select nothing and ids beyond the table are dropped instead of raising.
   */
  ids(group?: NodeGroup, population = '', raiseMissingProperty = true): Uint32Array {
    if (group === undefined || group === null) return allIds(this.size);
    if (typeof group === 'number' || isIdList(group)) {
      const ids = normalizeIds(group);
      // Across populations (filter), ids another population has are simply absent here.
      if (!raiseMissingProperty) return ids.filter((id) => id < this.size);
      for (const id of ids) if (id >= this.size) throw new Error(`node id ${id} not found in population ${population ? `'${population}' ` : ''}(${this.size} nodes, ids 0..${this.size - 1})`);
      return ids;
    }
    const mask = queryMask(this, group as NodeQuery, population, raiseMissingProperty);
    return maskToIds(mask);
  }
}

export function allIds(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

export function isIdList(g: unknown): g is ArrayLike<number> {
  if (ArrayBuffer.isView(g)) return true;
  return Array.isArray(g) && g.every((x) => typeof x === 'number');
}

/** A single id or a list of ids → sorted unique Uint32Array, with clear errors for non-ids. */
export function normalizeIds(g: number | ArrayLike<number>): Uint32Array {
  const list = typeof g === 'number' ? [g] : g;
  const out = new Uint32Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!(Number.isInteger(v) && v >= 0 && v < 2 ** 32)) throw new Error(`node id ${v} (at position ${i} of the group) is not a non-negative integer`);
    out[i] = v;
  }
  out.sort();
  let k = 0;
  for (let i = 0; i < out.length; i++) if (i === 0 || out[i] !== out[i - 1]) out[k++] = out[i];
  return out.slice(0, k);
}

function maskToIds(mask: Uint8Array): Uint32Array {
  let c = 0;
  for (let i = 0; i < mask.length; i++) c += mask[i];
  const out = new Uint32Array(c);
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[k++] = i;
  return out;
}

const RESERVED = new Set(['node_id', 'population', '$or', '$and', '$node_set']);

/** Property names a query mentions (recursively), excluding reserved keys. */
export function queryProperties(q: NodeQuery, out = new Set<string>()): Set<string> {
  for (const [k, v] of Object.entries(q)) {
    if (k === '$or' || k === '$and') for (const sub of v as NodeQuery[]) queryProperties(sub, out);
    else if (!RESERVED.has(k)) out.add(k);
  }
  return out;
}

function fullMatch(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (e) {
    throw new Error(`invalid $regex '${pattern}': ${(e as Error).message}`);
  }
}

function propertyMask(t: NodeTable, prop: string, value: NodeQueryValue): Uint8Array {
  const c = t.columns[prop];
  const n = t.size;
  const m = new Uint8Array(n);
  if (c.kind === 'float') {
    if (!(Array.isArray(value) && value.length === 2 && value.every((x) => typeof x === 'number'))) {
      throw new Error(`query on float property '${prop}' needs an inclusive range [lo, hi], got ${JSON.stringify(value)}`);
    }
    const [lo, hi] = value as [number, number];
    const v = c.values as Float64Array;
    for (let i = 0; i < n; i++) m[i] = v[i] >= lo && v[i] <= hi ? 1 : 0;
    return m;
  }
  let regex: RegExp | undefined;
  if (typeof value === 'string' && value.startsWith('regex:')) regex = fullMatch(value.slice(6));
  else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length !== 1 || keys[0] !== '$regex') throw new Error(`unknown query modifier(s) ${keys.join(', ')} for property '${prop}'; only $regex is supported`);
    regex = fullMatch((value as { $regex: string }).$regex);
  }
  const vals = c.values as ArrayLike<number | string | boolean>;
  if (regex) {
    for (let i = 0; i < n; i++) m[i] = regex.test(String(vals[i])) ? 1 : 0;
    return m;
  }
  const set = new Set<unknown>(Array.isArray(value) ? value : [value]);
  for (let i = 0; i < n; i++) m[i] = set.has(vals[i]) ? 1 : 0;
  return m;
}

/** Boolean mask (0/1) over the table's nodes for a query. */
export function queryMask(t: NodeTable, q: NodeQuery, population = '', raiseMissingProperty = true): Uint8Array {
  if (q === null || typeof q !== 'object' || Array.isArray(q)) throw new Error(`node query must be an object, got ${JSON.stringify(q)}`);
  const n = t.size;
  const missing = [...queryProperties(q)].filter((p) => !t.has(p));
  if (missing.length && raiseMissingProperty) {
    throw new Error(`node propert${missing.length > 1 ? 'ies' : 'y'} ${missing.map((m) => `'${m}'`).join(', ')} not found${population ? ` in population '${population}'` : ''}; available: ${t.propertyNames.join(', ') || 'none'}`);
  }
  const m = new Uint8Array(n).fill(1);
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    let sub: Uint8Array;
    if (k === '$or' || k === '$and') {
      if (!Array.isArray(v)) throw new Error(`${k} takes a list of queries`);
      const parts = (v as NodeQuery[]).map((x) => queryMask(t, x, population, raiseMissingProperty));
      sub = new Uint8Array(n).fill(k === '$and' ? 1 : 0);
      for (const p of parts) for (let i = 0; i < n; i++) sub[i] = k === '$or' ? sub[i] | p[i] : sub[i] & p[i];
    } else if (k === 'population') {
      const names = Array.isArray(v) ? v : [v];
      sub = new Uint8Array(n).fill(names.includes(population) ? 1 : 0);
    } else if (k === 'node_id') {
      sub = new Uint8Array(n);
      for (const id of normalizeIds(v as number | number[])) if (id < n) sub[id] = 1;
    } else if (!t.has(k)) {
      sub = new Uint8Array(n);
    } else {
      sub = propertyMask(t, k, v as NodeQueryValue);
    }
    for (let i = 0; i < n; i++) m[i] &= sub[i];
  }
  return m;
}

/**
 * Node metadata of a vbt Connectivity, one node per region: region (index), label, x, y, z
 * (centres, mm), hemisphere ('left'|'right'), cortical, plus its nodeMetadata columns.
 */
export function nodeTableFromConnectivity(conn: Connectivity): NodeTable {
  const n = conn.n;
  const cols: Record<string, NodeColumnInput> = {
    region: Int32Array.from({ length: n }, (_, i) => i),
    label: conn.labels,
    x: Float64Array.from({ length: n }, (_, i) => conn.centres[3 * i]),
    y: Float64Array.from({ length: n }, (_, i) => conn.centres[3 * i + 1]),
    z: Float64Array.from({ length: n }, (_, i) => conn.centres[3 * i + 2]),
    hemisphere: conn.hemispheres.map((r) => (r ? 'right' : 'left')),
    cortical: conn.cortical,
  };
  for (const [k, v] of Object.entries(conn.nodeMetadata ?? {})) if (!(k in cols)) cols[k] = v as NodeColumnInput;
  return new NodeTable(cols, n);
}
