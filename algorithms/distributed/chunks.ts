/**
 * Chunks of a sweep as units of distributed work: each has a deterministic key (sweep id, chunk
 * index, hash of its points), and its output travels as exact JSON (float64 → base64), so a
 * value computed on another machine is the same double, -0 and NaN included.
 */
import { createHash } from 'node:crypto';
import { planChunks, type Chunk, type ChunkOutput } from '../explore.js';
import { Space } from '../../src/space/space.js';
import type { SweepSpec } from './sweep.js';
import { exactParse, exactStringify } from './exact.js';

/** The chunks of a sweep (same split as a local `explore` with batchSize = chunkSize). */
export function sweepChunks(s: SweepSpec): Chunk[] {
  return planChunks(Space.fromJSON(s.space), s.chunkSize);
}

/** SHA-256 (first 12 hex digits) of a chunk's point indices, its noise rank and their parameter values. */
export function pointsHash(space: Space, c: Chunk): string {
  const h = createHash('sha256').update(JSON.stringify([c.rank0, c.points]));
  for (const k of c.points) h.update(JSON.stringify(space.point(k)));
  return h.digest('hex').slice(0, 12);
}

/** `<sweep id>.<chunk index>.<points hash>`: the chunk's queue job id and result field. */
export function chunkKey(id: string, space: Space, c: Chunk): string {
  return `${id}.${c.index}.${pointsHash(space, c)}`;
}

/** A chunk's output as exact JSON (values, divergences and any recorded series, doubles bit for bit). */
export function encodeChunk(o: ChunkOutput): string {
  return exactStringify(o);
}

export function decodeChunk(s: string, where: string): ChunkOutput {
  const e = exactParse<ChunkOutput>(s);
  if (!e || typeof e.values !== 'object' || !Array.isArray(e.divergences)) throw new Error(`${where}: not a stored chunk result`);
  for (const [k, v] of Object.entries(e.values)) if (!(v instanceof Float64Array)) throw new Error(`${where}: values of '${k}' are not float64 bytes`);
  return e;
}
