/**
 * SONATA node sets: named node groups (queries, or lists of other names) from a node-sets JSON file,
 * expanded into the queries NodeTable understands.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIdList, type NodeGroup, type NodeQuery } from './nodes.js';

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
 * import { nodeSetQuery } from './node-sets.js';
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
