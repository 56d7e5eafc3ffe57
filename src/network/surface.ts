/**
 * TVB cortical surfaces and region mappings: a surface ZIP holds `vertices.txt` (V×3, mm),
 * `triangles.txt` (E×3 vertex indices) and optionally `vertex_normals.txt`; a region-mapping text
 * file is one line of V region indices.
 *
 * @example
 * ```ts
 * import { readTvbSurfaceZip, readRegionMapping } from 'vbt';
 * const cortex = readTvbSurfaceZip('../shared/data/tvb/cortex_16384.zip'); // 16384 vertices
 * const map = readRegionMapping('../shared/data/tvb/regionMapping_16k_76.txt', cortex.vertices.length / 3);
 * ```
 */
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';

export interface Surface {
  /** V*3, mm. */
  vertices: Float64Array;
  /** E*3 vertex indices. */
  triangles: Int32Array;
  /** V*3, or length 0 when absent. */
  normals: Float64Array;
}

function numbers(text: string, where: string): number[] {
  const out: number[] = [];
  for (const tok of text.split(/\s+/)) {
    if (!tok) continue;
    const v = Number(tok);
    if (!Number.isFinite(v)) throw new Error(`${where}: '${tok}' is not a number`);
    out.push(v);
  }
  return out;
}

/** Read a TVB surface ZIP (members found by name, as TVB's reader does). */
export function readTvbSurfaceZip(path: string): Surface {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(readFileSync(path));
  } catch (e) {
    throw new Error(`${path}: not a readable surface zip: ${(e as Error).message}`);
  }
  const find = (token: string) => Object.keys(entries).find((k) => !k.startsWith('__MACOSX') && k.toLowerCase().includes(token) && k.endsWith('.txt'));
  const vName = Object.keys(entries).find((k) => /(^|\/)vertices\.txt$/i.test(k)) ?? find('vertices');
  const tName = find('triangles');
  const nName = find('normals');
  if (!vName) throw new Error(`${path}: no vertices.txt member (members: ${Object.keys(entries).join(', ')})`);
  if (!tName) throw new Error(`${path}: no triangles.txt member (members: ${Object.keys(entries).join(', ')})`);
  const dec = new TextDecoder();
  const v = numbers(dec.decode(entries[vName]), `${path}:${vName}`);
  const t = numbers(dec.decode(entries[tName]), `${path}:${tName}`);
  if (v.length % 3) throw new Error(`${path}:${vName}: ${v.length} numbers is not a multiple of 3`);
  if (t.length % 3) throw new Error(`${path}:${tName}: ${t.length} numbers is not a multiple of 3`);
  const nv = v.length / 3;
  const bad = t.findIndex((k) => !Number.isInteger(k) || k < 0 || k >= nv);
  if (bad >= 0) throw new Error(`${path}:${tName}: entry ${bad} (${t[bad]}) is not a vertex index in 0..${nv - 1}`);
  const normals = nName ? Float64Array.from(numbers(dec.decode(entries[nName]), `${path}:${nName}`)) : new Float64Array(0);
  if (normals.length && normals.length !== v.length) throw new Error(`${path}:${nName}: ${normals.length / 3} normals for ${nv} vertices`);
  return { vertices: Float64Array.from(v), triangles: Int32Array.from(t), normals };
}

/** Read a region-mapping text file (one region index per vertex); checks the count when given. */
export function readRegionMapping(path: string, nVertices?: number, nRegions?: number): Int32Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
  const v = numbers(text, path);
  if (nVertices !== undefined && v.length !== nVertices) throw new Error(`${path}: ${v.length} region indices for a surface of ${nVertices} vertices`);
  const bad = v.findIndex((k) => !Number.isInteger(k) || k < 0 || (nRegions !== undefined && k >= nRegions));
  if (bad >= 0) throw new Error(`${path}: entry ${bad} (${v[bad]}) is not a region index${nRegions !== undefined ? ` in 0..${nRegions - 1}` : ''}`);
  return Int32Array.from(v);
}
