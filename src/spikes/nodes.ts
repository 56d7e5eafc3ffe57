/**
 * Node properties for spike reports: a column table per population, built from a SONATA nodes file,
 * from a vbt Connectivity's per-region metadata, or from plain columns; and node groups resolved to
 * ids with bluepysnap's query semantics:
 * - a float property takes an inclusive range `[lo, hi]`;
 * - any other property takes a value or a list of values (membership), `'regex:PATTERN'` or
 *   `{ $regex: PATTERN }` (full match);
 * - `node_id` restricts to ids, `population` to population names, `$or` / `$and` combine sub-queries.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { h5, writeH5Atomic } from '../io/h5.js';
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

/** Parse a SONATA node-types CSV (space-separated, header with node_type_id). */
export function parseNodeTypesCsv(text: string, file = 'node_types.csv'): Map<number, Record<string, string>> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error(`${file}: empty node types file`);
  const header = lines[0].trim().split(/\s+/);
  const idCol = header.indexOf('node_type_id');
  if (idCol < 0) throw new Error(`${file}: header has no 'node_type_id' column (found: ${header.join(' ')})`);
  const out = new Map<number, Record<string, string>>();
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r].trim().split(/\s+/);
    if (cells.length !== header.length) throw new Error(`${file}: line ${r + 1} has ${cells.length} fields, the header has ${header.length}`);
    const rec: Record<string, string> = {};
    header.forEach((h, i) => (rec[h] = cells[i]));
    out.set(Number(cells[idCol]), rec);
  }
  return out;
}

type H5Node = { type: string; keys?: () => string[]; get?: (k: string) => H5Node | null; value?: unknown; shape?: number[] };

/**
 * Read per-population node tables from a SONATA nodes file (`/nodes/<population>/...`): the group
 * datasets (with `@library` enumerations resolved to strings), node_type_id, and the columns of an
 * optional node-types CSV joined on node_type_id.
 */
export async function readSonataNodes(path: string, options: { nodeTypesCsv?: string } = {}): Promise<Record<string, NodeTable>> {
  const lib = await h5();
  if (!existsSync(path)) throw new Error(`${path}: no such SONATA nodes file`);
  const types = options.nodeTypesCsv ? parseNodeTypesCsv(readFileSync(options.nodeTypesCsv, 'utf8'), options.nodeTypesCsv) : undefined;
  const f = new lib.File(path, 'r');
  try {
    if (!f.keys().includes('nodes')) throw new Error(`${path}: no /nodes group; not a SONATA nodes file`);
    const nodes = f.get('nodes') as unknown as H5Node;
    const out: Record<string, NodeTable> = {};
    for (const pop of nodes.keys!()) {
      const pg = nodes.get!(pop) as H5Node;
      const members = pg.keys!();
      const where = `${path}: /nodes/${pop}`;
      for (const req of ['node_type_id', 'node_group_id', 'node_group_index']) if (!members.includes(req)) throw new Error(`${where}/${req}: missing dataset (required by SONATA)`);
      const num = (k: string): Float64Array => Float64Array.from(pg.get!(k)!.value as ArrayLike<number | bigint>, Number);
      const typeId = num('node_type_id');
      const gid = num('node_group_id');
      const gidx = num('node_group_index');
      const n = typeId.length;
      if (gid.length !== n || gidx.length !== n) throw new Error(`${where}: node_type_id, node_group_id, node_group_index have lengths ${n}, ${gid.length}, ${gidx.length}; they must be equal`);
      const cols: Record<string, { kind: ColumnKind; values: (number | string | boolean)[] }> = {};
      const put = (name: string, kind: ColumnKind, i: number, v: number | string | boolean) => {
        const c = (cols[name] ??= { kind, values: new Array(n).fill(kind === 'string' ? '' : kind === 'bool' ? false : NaN) });
        if (c.kind !== kind && !(c.kind !== 'string' && kind !== 'string')) throw new Error(`${where}: property '${name}' has different types in different groups`);
        if (c.kind === 'int' && kind === 'float') c.kind = 'float';
        c.values[i] = v;
      };
      const groups = new Map<number, { props: Map<string, { kind: ColumnKind; values: ArrayLike<unknown> }>; size: number }>();
      for (const k of members) {
        if (!/^\d+$/.test(k)) continue;
        const g = pg.get!(k) as H5Node;
        if (g.type !== 'Group') continue;
        const props = new Map<string, { kind: ColumnKind; values: ArrayLike<unknown> }>();
        const lib = g.keys!().includes('@library') ? (g.get!('@library') as H5Node) : undefined;
        let size = -1;
        for (const p of g.keys!()) {
          const d = g.get!(p) as H5Node;
          if (d.type !== 'Dataset' || (d.shape?.length ?? 0) !== 1) continue;
          const raw = d.value as ArrayLike<unknown>;
          size = Math.max(size, raw.length);
          let kind: ColumnKind;
          let values: ArrayLike<unknown> = raw;
          if (lib && lib.keys!().includes(p)) {
            const names = lib.get!(p)!.value as string[];
            values = Array.from(raw as ArrayLike<number | bigint>, (x) => names[Number(x)]);
            kind = 'string';
          } else if (raw instanceof Float64Array || raw instanceof Float32Array) kind = 'float';
          else if (ArrayBuffer.isView(raw)) {
            kind = 'int';
            values = Array.from(raw as unknown as ArrayLike<number | bigint>, Number);
          } else kind = 'string';
          props.set(p, { kind, values });
        }
        groups.set(Number(k), { props, size });
      }
      for (let i = 0; i < n; i++) {
        const g = groups.get(gid[i]);
        if (!g) throw new Error(`${where}: node ${i} is in group ${gid[i]}, which does not exist`);
        for (const [p, c] of g.props) {
          if (gidx[i] >= c.values.length) throw new Error(`${where}/${gid[i]}/${p}: node ${i} has node_group_index ${gidx[i]}, beyond the ${c.values.length} values`);
          put(p, c.kind, i, c.values[gidx[i]] as number | string);
        }
        put('node_type_id', 'int', i, typeId[i]);
        const rec = types?.get(typeId[i]);
        if (types && !rec) throw new Error(`${where}: node ${i} has node_type_id ${typeId[i]}, not in ${options.nodeTypesCsv}`);
        if (rec) for (const [k, v] of Object.entries(rec)) {
          if (k === 'node_type_id' || g.props.has(k)) continue;
          const x = Number(v);
          put(k, v !== '' && Number.isFinite(x) ? (Number.isInteger(x) ? 'int' : 'float') : 'string', i, v !== '' && Number.isFinite(x) ? x : v);
        }
      }
      const input: Record<string, NodeColumnInput> = {};
      for (const [k, c] of Object.entries(cols)) {
        input[k] = c.kind === 'float' ? Float64Array.from(c.values as number[]) : c.kind === 'int' ? Int32Array.from(c.values as number[]) : (c.values as string[]);
      }
      out[pop] = new NodeTable(input, n);
    }
    return out;
  } finally {
    f.close();
  }
}

/**
 * Write node tables as a SONATA nodes file (one group "0" per population holding every property;
 * node_type_id 0, node_group_index = node id), atomically, so spikes exported from a simulation
 * come with their node properties.
 *
 * @example
 * ```ts
 * await writeSonataNodes('out/nodes.h5', { JansenRit: spikes.nodeTable });
 * ```
 */
export async function writeSonataNodes(path: string, tables: Record<string, NodeTable>): Promise<void> {
  const names = Object.keys(tables);
  if (names.length === 0) throw new Error(`${path}: nothing to write: no node populations given`);
  mkdirSync(dirname(path) || '.', { recursive: true });
  await writeH5Atomic(path, (f) => {
    f.create_group('nodes');
    for (const pop of names) {
      if (!pop || pop.includes('/')) throw new Error(`node population name '${pop}' must be non-empty and contain no '/'`);
      const t = tables[pop];
      const n = t.size;
      const g = f.create_group(`nodes/${pop}`);
      g.create_dataset({ name: 'node_type_id', data: new BigInt64Array(n), shape: [n], dtype: '<q' });
      g.create_dataset({ name: 'node_group_id', data: new BigInt64Array(n), shape: [n], dtype: '<q' });
      g.create_dataset({ name: 'node_group_index', data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), shape: [n], dtype: '<q' });
      const g0 = f.create_group(`nodes/${pop}/0`);
      for (const [k, c] of Object.entries(t.columns)) {
        if (k === 'node_type_id') continue;
        if (k.includes('/')) throw new Error(`node property name '${k}' must not contain '/'`);
        if (c.kind === 'float') g0.create_dataset({ name: k, data: Float64Array.from(c.values as Float64Array), shape: [n], dtype: '<d' });
        else if (c.kind === 'int') g0.create_dataset({ name: k, data: BigInt64Array.from(c.values as Float64Array, (x) => BigInt(x)), shape: [n], dtype: '<q' });
        else if (c.kind === 'bool') g0.create_dataset({ name: k, data: Uint8Array.from(c.values as boolean[], (x) => (x ? 1 : 0)), shape: [n], dtype: '<B' });
        else g0.create_dataset({ name: k, data: [...(c.values as string[])], shape: [n] });
      }
    }
  });
}

/** SONATA node sets: name → a query (properties, node_id, population) or a list of other node-set names (union). */
export type NodeSets = Record<string, NodeQuery | string[]>;

/** Read a SONATA node-sets JSON file. */
export function readNodeSets(path: string): NodeSets {
  if (!existsSync(path)) throw new Error(`${path}: no such node sets file`);
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${path}: node sets must be a JSON object of name → query or list of names`);
  return v as NodeSets;
}

/**
 * A node-set name as a query: compound sets (lists of names) become `$or` of their members,
 * `$node_set` references inside a query are expanded too.
 *
 * @example
 * ```ts
 * nodeSetQuery('Excitatory', { Excitatory: { ei: 'e' } }); // { ei: 'e' }
 * nodeSetQuery('Both', { A: { layer: 2 }, B: { layer: 3 }, Both: ['A', 'B'] }); // { $or: [{ layer: 2 }, { layer: 3 }] }
 * ```
 */
export function nodeSetQuery(name: string, sets: NodeSets | undefined, depth = 0): NodeQuery {
  if (!sets) throw new Error(`node set '${name}': no node sets are known (give nodeSets, or a simulation/circuit config with node_sets_file)`);
  if (depth > 50) throw new Error(`node set '${name}': node sets refer to each other in a cycle`);
  const v = sets[name];
  if (v === undefined) throw new Error(`unknown node set '${name}'; known: ${Object.keys(sets).join(', ') || 'none'}`);
  if (Array.isArray(v)) {
    if (!v.every((x) => typeof x === 'string')) throw new Error(`node set '${name}': a compound node set must list node-set names`);
    return { $or: v.map((m) => nodeSetQuery(m, sets, depth + 1)) };
  }
  if (v === null || typeof v !== 'object') throw new Error(`node set '${name}' must be a query object or a list of names`);
  const out: NodeQuery = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '$node_set') Object.assign(out, { $and: [...((out.$and as NodeQuery[] | undefined) ?? []), nodeSetQuery(String(x), sets, depth + 1)] });
    else if ((k === '$or' || k === '$and') && Array.isArray(x)) out[k] = (x as NodeQuery[]).map((q) => expandQuery(q, sets, depth + 1));
    else out[k] = x;
  }
  return out;
}

function expandQuery(q: NodeQuery, sets: NodeSets | undefined, depth: number): NodeQuery {
  if (!('$node_set' in q) && !('$or' in q) && !('$and' in q)) return q;
  return nodeSetQuery('(inline)', { ...(sets ?? {}), '(inline)': q }, depth);
}

/** A group with node-set names (a string, or `$node_set` keys in a query) replaced by their queries. */
export function expandNodeSets(group: NodeGroup | undefined, sets: NodeSets | undefined): Exclude<NodeGroup, string> | undefined {
  if (group === undefined || group === null) return undefined;
  if (typeof group === 'string') return nodeSetQuery(group, sets);
  if (typeof group === 'number' || isIdList(group)) return group;
  return JSON.stringify(group).includes('"$node_set"') ? expandQuery(group as NodeQuery, sets, 0) : group;
}
