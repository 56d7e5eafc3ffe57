/**
 * SONATA nodes files (`/nodes/<population>/{node_type_id, node_group_id, node_group_index, <group>/...}`)
 * and node-types CSVs, read into and written from NodeTables.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { h5, writeH5Atomic } from '../io/h5.js';
import type { WriteOptions } from '../io/atomic.js';
import { NodeTable, type ColumnKind, type NodeColumnInput } from './nodes.js';

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
 * import { simulate, spikesFromSimulation } from 'vbt';
 * import { writeSonataNodes } from 'vbt';
 * const res = await simulate({ model: 'JansenRit', integrator: { dt: 0.1 }, duration: 20, monitors: [{ name: 'TemporalAverage', period: 1 }] });
 * const spikes = spikesFromSimulation(res, { rate: 'sigm_y1_y2', populationSize: 20, seed: 1 });
 * await writeSonataNodes('out/nodes.h5', { JansenRit: spikes.nodeTable });
 * ```
 */
export async function writeSonataNodes(path: string, tables: Record<string, NodeTable>, opts: WriteOptions = {}): Promise<void> {
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
  }, opts);
}
