/**
 * Peak RSS of a streamed run, measured in a fresh child process (built dist/), for the bench and the test.
 *
 * The bound is the issue's, 2 × the largest chunk + the model state, with the model state measured rather than
 * guessed: the peak RSS growth of the same streamed run (network, length, chunking of the time loop) with an
 * output too small to matter (a GlobalAverage monitor, one node). That growth holds everything a streamed run
 * needs besides its samples: the program's history ring, state and links (`stateBytes`), the prepared initial
 * history the program copies its ring from and the whole-run plan's link arrays (garbage, but resident until V8
 * next collects, which a run that allocates little may never reach), the compiled kernel, and the HDF5 library's
 * heap. The samples then add one chunk of monitor buffers, up to one more of churn (V8's young generation, the
 * program's per-chunk views), and the pages of h5wasm's heap their writes touch (`writeWindowBytes`: the copy of
 * one write, 2 MiB, and HDF5's 1 MiB chunk cache; the run without samples touches neither). The bound is therefore
 * 2 × chunk + model state + write window; before the fixes of issue #14's item 7 the excess over 2 × chunk + state
 * was the whole run's plan's history and links held beside the chunk program's (~17 MiB at 998 regions), the time
 * axis stored one sample per HDF5 chunk (h5wasm's heap grew 8 MiB within 2 chunks, and on with the run) and ~28 MB
 * of short-lived JS arrays while building 10⁶ links.
 */
import { existsSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

export interface StreamMemory {
  /** Peak RSS growth of the run over the process before it (bytes). */
  growth: number;
  /** The same for the run without output: the measured model state (bytes). */
  state: number;
  /** 2 × chunk + state + write window. */
  bound: number;
  writeWindowBytes: number;
  chunkBytes: number;
  stateBytes: number;
  steps: number;
  /** h5wasm's heap before and after the long run (bytes): it must not grow with the run. */
  h5HeapBefore: number;
  h5HeapAfter: number;
  /** HDF5 chunk length of the file's time coordinate. */
  timeChunk: number;
  cpuSeconds: number;
}

export function measureStreamMemory(o: { nodes: number; ms: number; chunkBytes: number; root?: string }): StreamMemory {
  const root = o.root ?? process.cwd();
  const dist = resolve(root, 'dist/src/simulation/stream.js');
  if (!existsSync(dist)) throw new Error(`stream memory: no ${dist}; run npx tsc -p tsconfig.json first`);
  const dir = mkdtempSync(join(tmpdir(), 'vbt-stream-mem-'));
  const url = (p: string) => JSON.stringify(pathToFileURL(resolve(root, p)).href);
  // each measurement in its own process, so neither sees the other's garbage or heap high-water marks
  const child = (monitor: string, out: string) => `
const { simulateToFile } = await import(${url('dist/src/simulation/stream.js')});
const { syntheticConnectome } = await import(${url('dist/src/network/synthetic.js')});
const { default: h5wasm } = await import('h5wasm/node');
const M = await h5wasm.ready;
const conn = syntheticConnectome({ nodes: ${o.nodes} });
const cfg = { model: 'Generic2dOscillator', variablesOfInterest: ['V'], connectivity: conn, integrator: { dt: 0.1 }, duration: ${o.ms}, monitors: [${monitor}] };
global.gc();
const base = process.memoryUsage().rss;
const h5HeapBefore = M.HEAPU8.length;
const c0 = process.cpuUsage();
const r = await simulateToFile(cfg, ${JSON.stringify(join(dir, out))}, { chunkBytes: ${o.chunkBytes} });
const c = process.cpuUsage(c0);
const peak = process.resourceUsage().maxRSS * 1024;
const f = new h5wasm.File(${JSON.stringify(join(dir, out))}, 'r');
const timeName = f.keys().find((k) => /_time$/.test(k));
const timeChunk = f.get(timeName).metadata.chunks?.[0] ?? 0;
f.close();
console.log(JSON.stringify({ growth: peak - base, chunkBytes: r.chunkBytes, stateBytes: r.stateBytes, writeWindowBytes: r.writeWindowBytes, steps: r.info.nSteps, h5HeapBefore, h5HeapAfter: M.HEAPU8.length, timeChunk, cpu: (c.user + c.system) / 1e6 }));
`;
  const REPEATS = 2;
  const run = (monitor: string, out: string) => {
    const p = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', child(monitor, out)], { encoding: 'utf8', maxBuffer: 1 << 20, cwd: root });
    if (p.status !== 0) throw new Error(`stream memory child failed: ${p.stderr.slice(-2000)}`);
    return JSON.parse(p.stdout.trim().split('\n').pop()!);
  };
  try {
    // RSS peaks move by a few MiB with GC timing on a busy machine, so each footprint is the lowest of a few runs
    const lowest = (monitor: string, out: string) => {
      let best = run(monitor, `0-${out}`);
      for (let i = 1; i < REPEATS; i++) { const r = run(monitor, `${i}-${out}`); if (r.growth < best.growth) best = { ...r, cpu: best.cpu + r.cpu }; else best.cpu += r.cpu; }
      return best;
    };
    const raw = lowest("{ name: 'Raw' }", 'raw.nc');
    // the same time loop without samples worth counting: one global average every step
    const bare = lowest("{ name: 'GlobalAverage', period: 0.1 }", 'bare.nc');
    return {
      growth: raw.growth, state: bare.growth, bound: 2 * raw.chunkBytes + bare.growth + raw.writeWindowBytes, writeWindowBytes: raw.writeWindowBytes, chunkBytes: raw.chunkBytes, stateBytes: raw.stateBytes,
      steps: raw.steps, h5HeapBefore: raw.h5HeapBefore, h5HeapAfter: raw.h5HeapAfter, timeChunk: raw.timeChunk, cpuSeconds: raw.cpu + bare.cpu,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
