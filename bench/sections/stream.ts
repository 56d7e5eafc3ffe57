/**
 * Streaming output (issue #14): 998 regions × Raw written with `simulateToFile` in chunks of 16 MiB. Peak RSS is
 * measured in fresh child processes (built dist/) and compared with 2 × the largest chunk + the model state + the
 * pages of HDF5's heap a write touches, the state measured as what the same streamed run adds without samples worth
 * counting (bench/stream-memory.ts has the accounting). VBT_BENCH_STREAM_MS sets the simulated time (default 10 000 ms; VBT_BENCH_STREAM_MS=100000 is the
 * issue's full case).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { measureStreamMemory } from '../stream-memory.js';

export default async function (): Promise<void> {
  if (!existsSync(resolve(process.cwd(), 'dist/src/simulation/stream.js'))) {
    console.log('stream: skipped (no dist/; run npm run build)');
    return;
  }
  // the full case (100 s) takes ~25 CPU min here; the default keeps npm run bench short
  const ms = Number(process.env.VBT_BENCH_STREAM_MS ?? 10_000);
  const m = measureStreamMemory({ nodes: 998, ms, chunkBytes: 16 * 2 ** 20 });
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  console.log(`stream: 998 regions × Raw × ${ms / 1000} s (${m.steps} steps, ${mb(m.steps * 998 * 8)} of samples) in ${m.cpuSeconds.toFixed(1)} CPU s (both runs); ` +
    `peak RSS growth ${mb(m.growth)}; bound 2 × chunk (${mb(m.chunkBytes)}) + model state (${mb(m.state)} measured without samples; program arrays alone ${mb(m.stateBytes)}) + HDF5 write window (${mb(m.writeWindowBytes)}) = ${mb(m.bound)}: ` +
    `${m.growth <= m.bound ? 'within' : 'EXCEEDED'}; HDF5 heap ${mb(m.h5HeapBefore)} → ${mb(m.h5HeapAfter)}`);
}
