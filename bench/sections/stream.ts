/**
 * Streaming output (issue #14): 998 regions × Raw × 100 s written with `simulateToFile` in chunks.
 * Peak RSS is measured in a fresh child process (built dist/), from a baseline taken after a small
 * warm-up stream, and compared with the bound the issue sets: 2 × the largest chunk + the model
 * state, the state measured as what a 50 ms run of the same network adds. VBT_BENCH_STREAM_MS sets the
 * simulated time (default 10 000 ms; VBT_BENCH_STREAM_MS=100000 is the full case).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

export default async function (): Promise<void> {
  const dist = resolve(process.cwd(), 'dist/src/simulation/stream.js');
  if (!existsSync(dist)) {
    console.log('stream: skipped (no dist/; run npm run build)');
    return;
  }
  // the full case (100 s) takes ~25 CPU min here; the default keeps npm run bench short
  const ms = Number(process.env.VBT_BENCH_STREAM_MS ?? 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'vbt-bench-stream-'));
  const child = `
const { simulateToFile } = await import(${JSON.stringify(pathToFileURL(dist).href)});
const { syntheticConnectome } = await import(${JSON.stringify(pathToFileURL(resolve(process.cwd(), 'dist/src/network/synthetic.js')).href)});
const conn = syntheticConnectome({ nodes: 998 });
const cfg = (d) => ({ model: 'Generic2dOscillator', variablesOfInterest: ['V'], connectivity: conn, integrator: { dt: 0.1 }, duration: d, monitors: [{ name: 'Raw' }] });
const chunk = 16 * 2 ** 20;
if (global.gc) global.gc();
const base0 = process.memoryUsage().rss;
await simulateToFile(cfg(50), ${JSON.stringify(join(dir, 'warm.nc'))}, { chunkBytes: chunk });
if (global.gc) global.gc();
const base = process.memoryUsage().rss;
const maxBefore = process.resourceUsage().maxRSS * 1024;
const c0 = process.cpuUsage();
const r = await simulateToFile(cfg(${ms}), ${JSON.stringify(join(dir, 'long.nc'))}, { chunkBytes: chunk });
const c = process.cpuUsage(c0);
const peak = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ base0, base, maxBefore, peak, chunkBytes: r.chunkBytes, stateBytes: r.stateBytes, steps: r.info.nSteps, cpu: (c.user + c.system) / 1e6 }));
`;
  try {
    const p = spawnSync('node', ['--expose-gc', '--input-type=module', '-e', child], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (p.status !== 0) throw new Error(`stream bench child failed: ${p.stderr.slice(-2000)}`);
    const m = JSON.parse(p.stdout.trim().split('\n').pop()!);
    // model state as measured: what a 50 ms run of the same network added to the process (its
    // chunk is 4 MiB, so this over-counts the state by at most that)
    const state = m.maxBefore - m.base0;
    const growth = m.peak - m.base0;
    const bound = 2 * m.chunkBytes + state;
    const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
    console.log(`stream: 998 regions × Raw × ${ms / 1000} s (${m.steps} steps, ${mb(m.steps * 998 * 8)} of samples) in ${m.cpu.toFixed(1)} CPU s; ` +
      `peak RSS ${mb(m.peak)} = after loading ${mb(m.base0)} + ${mb(growth)}; bound 2 × chunk (${mb(m.chunkBytes)}) + model state (${mb(state)} measured on a 50 ms run; arrays alone ${mb(m.stateBytes)}) = ${mb(bound)}: ${growth <= bound ? 'within' : 'EXCEEDED'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
