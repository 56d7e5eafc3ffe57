/**
 * Streaming runs hold one chunk of samples, not the run: peak RSS within 2 × chunk + the model state (measured as the
 * same streamed run without samples) + the HDF5 write window (bench/stream-memory.ts states the accounting), and the HDF5 side does not grow
 * with the run (its heap stays put; the time axis is stored in chunks of thousands of samples, not one each).
 * Child processes run the built dist/ (npx tsc -p tsconfig.json).
 */
import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { measureStreamMemory } from '../bench/stream-memory.js';

const root = resolve(__dirname, '..');
const built = existsSync(resolve(root, 'dist/src/simulation/stream.js'));

describe('streamed runs in bounded memory', () => {
  it.skipIf(!built)('300 regions × Raw × 4 s in 8 MiB chunks: 11 chunks, peak within 2 × chunk + model state + write window, HDF5 heap flat (skipped without dist/: run npx tsc -p tsconfig.json)', () => {
    const m = measureStreamMemory({ nodes: 300, ms: 4000, chunkBytes: 8 * 2 ** 20, root });
    const samples = m.steps * 300 * 8;
    expect(samples / m.chunkBytes).toBeGreaterThan(10); // the run is many chunks, so holding it whole would show
    // V8 collects garbage when it chooses, so a peak carries some uncollected garbage: 8–18 MiB between runs of the
    // same program on this 2-core machine under load (the state run, measured the same way, moves as much).
    const GC_SLACK = 16 * 2 ** 20;
    expect(m.growth).toBeLessThanOrEqual(m.bound + GC_SLACK);
    expect(m.growth).toBeLessThan(m.state + samples / 2); // and far from the samples themselves
    expect(m.h5HeapAfter).toBe(m.h5HeapBefore);
    expect(m.timeChunk).toBe(4096);
  }, 120_000);
});
