/**
 * Cortical surface runs (issue #15): Generic2dOscillator on cortex_16384 + connectivity_76 (speed
 * 3 mm/ms) + local_connectivity_16384 (strength 1), Linear a = 0.1, Heun dt 0.1 ms, 100 ms,
 * TemporalAverage 1 ms. vbt's integration CPU time (one core, best of several; also with the JS step)
 * against TVB's sim.run() CPU time (best of VBT_BENCH_SURFACE_TVB_REPS, default 3 at 16k and 1 at
 * 80k) measured in this run when TVB_ROOT points at a TVB checkout (its tvb_library folder or the
 * repository root); vertex-steps/s; the typed-array memory of the run; and the same
 * on the 80k cortex (cortex_80k + connectivity_80 + local_connectivity_80k) for the scaling.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readTvbConnectivityZip } from '../../src/network/tvb-zip.js';
import { readRegionMapping, readTvbSurfaceZip } from '../../src/network/surface.js';
import { readSparseMat } from '../../src/surface/mat.js';
import { prepareSurfaceRun, runPreparedSurface } from '../../src/surface/run.js';
import type { SimulationConfig } from '../../src/simulation/config.js';

const SHARED = process.env.VBT_SHARED ?? resolve(process.cwd(), '../shared');
const DATA = join(SHARED, 'data/tvb');

interface Mesh { cortex: string; mapping: string; lc: string; conn: string }
const MESHES: Record<string, Mesh> = {
  '16k': { cortex: 'cortex_16384.zip', mapping: 'regionMapping_16k_76.txt', lc: 'local_connectivity_16384.mat', conn: 'connectivity_76.zip' },
  '80k': { cortex: 'cortex_80k.zip', mapping: 'regionMapping_80k_80.txt', lc: 'local_connectivity_80k.mat', conn: 'connectivity_80.zip' },
};
const LENGTH = 100;

function config(m: Mesh): SimulationConfig {
  return {
    model: 'Generic2dOscillator', connectivity: readTvbConnectivityZip(join(DATA, m.conn)).withSpeed(3),
    coupling: 'Linear', couplingParameters: { a: 0.1 }, integrator: { name: 'Heun', dt: 0.1 }, duration: LENGTH,
    monitors: [{ name: 'TemporalAverage', period: 1 }],
    surface: readTvbSurfaceZip(join(DATA, m.cortex)), regionMapping: readRegionMapping(join(DATA, m.mapping)),
    localConnectivity: readSparseMat(join(DATA, m.lc)), localCoupling: 1,
  };
}

function tvbLibrary(): string | undefined {
  const root = process.env.TVB_ROOT;
  if (!root) return undefined;
  return existsSync(join(root, 'tvb_library')) ? join(root, 'tvb_library') : root;
}

function timeTvb(m: Mesh): { cpu: number; rss_mb: number } | string {
  const lib = tvbLibrary();
  if (!lib) return 'TVB_ROOT not set';
  const py = process.env.PYTHON ?? '/usr/bin/python3';
  const r = spawnSync(py, [resolve(process.cwd(), 'tools/tvb_surface_bench.py'), lib, DATA, m.cortex, m.mapping, m.lc, m.conn, String(LENGTH)], {
    encoding: 'utf8',
    // one core for TVB as for vbt (its CPU time would also count any helper threads)
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1', NUMBA_NUM_THREADS: '1' },
  });
  if (r.status !== 0) return `TVB failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-2).join(' ')}`;
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

export default async function surface(): Promise<void> {
  if (!existsSync(join(DATA, MESHES['16k'].cortex))) {
    console.log(`surface: skipped (no ${DATA}; set VBT_SHARED)`);
    return;
  }
  console.log(`surface: G2D on the cortex + region connectivity + local connectivity (strength 1), Heun dt 0.1 ms, ${LENGTH} ms, TemporalAverage 1 ms (one core, CPU time)`);
  for (const [name, m] of Object.entries(MESHES)) {
    if (!existsSync(join(DATA, m.cortex))) { console.log(`  ${name}: skipped (no ${m.cortex})`); continue; }
    const cfg = config(m);
    const prep0 = prepareSurfaceRun(cfg);
    const N = prep0.plan.N;
    const steps = prep0.nSteps;
    // typed arrays the run holds: history, state, stage buffers, local connectivity, monitor outputs
    const bytes = prep0.history.byteLength + prep0.state.byteLength * 4 + Object.values(prep0.data).reduce((a, x) => a + x.byteLength, 0)
      + prep0.plan.monitors.reduce((a, mo) => a + mo.nSamples * mo.sampleShape.reduce((p, q) => p * q, 1) * 8, 0);
    const reps = name === '16k' ? 5 : 2;
    // vbt (WebAssembly step unless it is out of coverage), the JS step, and TVB, interleaved so that
    // the machine's load drifts over all three alike; each the minimum of its runs
    const tvbReps = process.env.VBT_BENCH_SURFACE_TVB === '0' ? 0 : Number(process.env.VBT_BENCH_SURFACE_TVB_REPS ?? (name === '16k' ? 3 : 1));
    let best = Infinity, bestJs = Infinity;
    let tvb: { cpu: number; rss_mb: number } | string = tvbReps ? 'no run' : 'skipped (VBT_BENCH_SURFACE_TVB=0)';
    for (let r = 0; r < Math.max(reps, tvbReps); r++) {
      if (r < reps) best = Math.min(best, runPreparedSurface(r === 0 ? prep0 : prepareSurfaceRun(cfg)).info.runCpuSeconds ?? Infinity);
      if (r < 2) bestJs = Math.min(bestJs, runPreparedSurface(prepareSurfaceRun({ ...cfg, kernel: 'js' })).info.runCpuSeconds ?? Infinity);
      if (r < tvbReps) {
        const t = timeTvb(m);
        if (typeof t === 'string') { tvb = t; break; }
        if (typeof tvb === 'string' || t.cpu < tvb.cpu) tvb = t;
      }
    }
    console.log(`  ${name} (${N} nodes, ${steps} steps): vbt ${(best * 1000).toFixed(0)} ms${prep0.plan.wasm ? ' (WebAssembly step)' : ' (JS step: outside the WebAssembly coverage)'} = ${((N * steps) / best / 1e6).toFixed(1)} M vertex-steps/s, ${((best / steps) * 1e3).toFixed(3)} ms/step; run arrays ${(bytes / 2 ** 20).toFixed(1)} MiB; JS step ${(bestJs * 1000).toFixed(0)} ms (${(bestJs / best).toFixed(1)}x)`);
    if (typeof tvb === 'string') console.log(`    TVB: ${tvb}`);
    else console.log(`    TVB numpy (same run, best of ${tvbReps}): ${(tvb.cpu * 1000).toFixed(0)} ms = ${((N * steps) / tvb.cpu / 1e6).toFixed(2)} M vertex-steps/s, peak RSS ${tvb.rss_mb.toFixed(0)} MB → ratio TVB / vbt = ${(tvb.cpu / best).toFixed(1)}x (target ≥ 30x)`);
  }
}
