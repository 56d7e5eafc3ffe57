/**
 * Observation models (issue #4): streaming BOLD + FC for 84 nodes, 60 s at dt = 1 ms, must hold
 * < 50 MB beyond the model state (tvboptim: 8 MB streaming, 202 MB classical). Measured here as
 * the peak growth of ArrayBuffer memory (all typed arrays: history, monitors, outputs) during the
 * run, sampled at every progress tick, for
 *  - streaming: the kernel engine's Bold monitor (TVB's arithmetic, with per-output accumulators
 *    instead of the 20 s ring of 4 ms averages) → FC of BOLD;
 *  - classical: Raw trajectory kept, then BOLD after the fact (boldFromTrajectory) → FC.
 * Setup as tvboptim's RWW example: ReducedWongWang, Linear coupling a = 0.5 (G), speed 3 mm/ms,
 * noise σ = 0.01 (nsig = σ²/2), Heun dt 1 ms, Bold TR 720 ms; DK-84 SC (scaled to max 1) when
 * ../shared has it.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { simulateSync } from '../../src/simulation/simulate.js';
import { syntheticConnectome } from '../../src/network/synthetic.js';
import { Connectivity } from '../../src/network/connectivity.js';
import { readNpz } from '../../src/io/npy.js';
import type { SimulationConfig } from '../../src/simulation/config.js';
import { StreamingFc, functionalConnectivity, fcCorrLossUpper, monitorSeries } from '../../src/analysis/index.js';
import { boldFromTrajectory, TvbBold } from '../../src/observation/index.js';
import { boldPendingOutputs } from '../../src/observation/bold/sampling.js';

const SHARED = process.env.VBT_SHARED ?? resolve(process.cwd(), '../shared');

function dk84(): { conn: Connectivity; empFc?: { data: Float64Array; n: number } } {
  const dir = join(SHARED, 'data/dk_average');
  if (!existsSync(join(dir, 'structural.npz'))) {
    console.log(`  (no ${dir}: synthetic 84-node connectome)`);
    return { conn: syntheticConnectome({ nodes: 84 }) };
  }
  const s = readNpz(join(dir, 'structural.npz'));
  const f = readNpz(join(dir, 'functional.npz'));
  // weights scaled to max 1, so that the coupling a plays the role of the global coupling G
  const w = Float64Array.from(s.weights.data as Float64Array);
  const wmax = w.reduce((m, v) => Math.max(m, v), 0);
  for (let k = 0; k < w.length; k++) w[k] /= wmax;
  const conn = new Connectivity({ weights: w, tractLengths: s.lengths.data as Float64Array, speed: 3, name: 'dk_average 84' });
  return { conn, empFc: { data: Float64Array.from(f.fc.data as Float64Array), n: 84 } };
}

const MB = 1024 * 1024;

function peakDuring<T>(run: (tick: () => void) => T): { out: T; peakMB: number; seconds: number } {
  const base = process.memoryUsage().arrayBuffers;
  let peak = base;
  const tick = () => { peak = Math.max(peak, process.memoryUsage().arrayBuffers); };
  const t0 = performance.now();
  const out = run(tick);
  tick();
  return { out, peakMB: (peak - base) / MB, seconds: (performance.now() - t0) / 1000 };
}

export default async function (): Promise<void> {
  const { conn, empFc } = dk84();
  const N = conn.n;
  const dt = 1, duration = 60_000, TR = 720;
  console.log(`Observation: streaming BOLD + FC, ${N} nodes, ${duration / 1000} s at dt ${dt} ms, Bold TR ${TR} ms (RWW, Heun, noise)`);
  const base: SimulationConfig = {
    model: 'ReducedWongWang', connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.5 },
    integrator: { name: 'Heun', dt, noise: { nsig: 0.01 ** 2 / 2, seed: 42 } }, duration,
  };

  const streaming = peakDuring((tick) => {
    const res = simulateSync({ ...base, monitors: [{ name: 'Bold', period: TR }], onProgress: tick });
    const bold = monitorSeries(res.monitor('Bold'));
    const acc = new StreamingFc(N, { skip: 20 });
    acc.pushSeries(bold);
    return { fc: acc.result(), samples: bold.t };
  });
  // the streaming state does not grow with the run: a quarter of the duration holds as much
  const short = peakDuring((tick) => simulateSync({ ...base, duration: duration / 4, monitors: [{ name: 'Bold', period: TR }], onProgress: tick }).monitor('Bold').shape[1]);
  const ring = new TvbBold({ dt, period: TR, width: N });
  const K = boldPendingOutputs(ring.istep, ring.interimSteps, ring.hrf.stockSteps, ring.istep, streaming.out.samples);
  console.log(`  streaming (kernel Bold monitor): ${streaming.seconds.toFixed(2)} s, ${streaming.out.samples} BOLD samples; peak ArrayBuffer growth ${streaming.peakMB.toFixed(2)} MB (target < 50 MB)`);
  console.log(`    ${duration / 4000} s run: peak growth ${short.peakMB.toFixed(2)} MB (${short.out} samples) — independent of the run length`);
  console.log(`    Bold state per run: ${K} output accumulators + 1 block sum = ${(((K + 1) * N * 8) / 1024).toFixed(1)} KB (TVB's 5000-slot ring would be ${(ring.bytes / MB).toFixed(2)} MB)`);

  const classical = peakDuring((tick) => {
    const res = simulateSync({ ...base, monitors: [{ name: 'Raw' }], onProgress: tick });
    const raw = res.monitor('Raw');
    tick();
    const first = Math.round(raw.time[0] / dt);
    const b = boldFromTrajectory(raw.data, { dt, period: TR, width: N, firstStep: first });
    tick();
    return functionalConnectivity({ data: b.data, t: b.time.length, n: N }, { skip: 20 });
  });
  console.log(`  classical (Raw kept, BOLD after): ${classical.seconds.toFixed(2)} s; peak ArrayBuffer growth ${classical.peakMB.toFixed(1)} MB`);
  console.log(`  memory ratio streaming/classical: ${(streaming.peakMB / classical.peakMB).toFixed(3)}`);
  const same = 1 - fcCorrLossUpper(streaming.out.fc, classical.out);
  console.log(`  FC(streaming) vs FC(classical): upper-triangle r = ${same.toFixed(12)}`);
  if (empFc) console.log(`  FC vs empirical DK-84 FC: upper-triangle r = ${(1 - fcCorrLossUpper(streaming.out.fc, empFc)).toFixed(3)} (untuned parameters)`);
}
