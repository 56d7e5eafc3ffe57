/**
 * Chunks of a sweep as units of distributed work: each has a deterministic key (sweep id, chunk
 * index, hash of its points), and its output travels as exact bytes (float64 → base64), so a
 * value computed on another machine is the same double, -0 and NaN included.
 */
import { createHash } from 'node:crypto';
import { planChunks, type Chunk, type ChunkOutput } from '../explore.js';
import { Space } from '../../src/space/space.js';
import type { SweepSpec } from './sweep.js';

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

export interface EncodedChunk {
  values: Record<string, string>;
  divergences: ChunkOutput['divergences'];
}

export function encodeChunk(o: ChunkOutput): string {
  const values = Object.fromEntries(Object.entries(o.values).map(([k, v]) => [k, Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')]));
  return JSON.stringify({ values, divergences: o.divergences } satisfies EncodedChunk);
}

export function decodeChunk(s: string, where: string): ChunkOutput {
  const e = JSON.parse(s) as EncodedChunk;
  if (!e || typeof e.values !== 'object' || !Array.isArray(e.divergences)) throw new Error(`${where}: not a stored chunk result`);
  const values = Object.fromEntries(Object.entries(e.values).map(([k, b64]) => {
    const buf = Buffer.from(b64, 'base64');
    const out = new Float64Array(buf.length / 8);
    new Uint8Array(out.buffer).set(buf);
    return [k, out];
  }));
  return { values, divergences: e.divergences };
}
