/**
 * Batch lanes (issue #17, item 5): batched points per CPU-second on one core with the coupling
 * gather run for 2–4 batch elements per pass and the Bold block update in WebAssembly SIMD (default)
 * vs one element per pass and the JavaScript Bold loop (VBT_BATCH_LANES=0, the engine before both),
 * G2D and RWW + Bold on 84 regions, batches of 16, the two alternated in one run, best of 5, CPU
 * time. Results are compared bit for bit.
 */
import { network84 } from '../network84.js';
import { simulateSync } from '../../src/simulation/simulate.js';
import type { SimulationConfig } from '../../src/simulation/config.js';

const B = 16;


function measure(label: string, base: SimulationConfig, lo: number, hi: number): void {
  const cfg: SimulationConfig = { ...base, batch: { 'coupling.a': Array.from({ length: B }, (_, k) => lo + ((hi - lo) * k) / (B - 1)) } };
  const once = (lanes: boolean) => {
    process.env.VBT_BATCH_LANES = lanes ? '1' : '0';
    const c0 = process.cpuUsage();
    const r = simulateSync(cfg);
    const c = process.cpuUsage(c0);
    return { cpu: (c.user + c.system) / 1e6, r };
  };
  once(false); once(true);
  let today = Infinity, lanes = Infinity, same = true;
  for (let k = 0; k < 5; k++) {
    const a = once(false), b = once(true);
    today = Math.min(today, a.cpu);
    lanes = Math.min(lanes, b.cpu);
    a.r.monitors.forEach((m, i) => m.data.forEach((v, j) => { if (!Object.is(v, b.r.monitors[i].data[j])) same = false; }));
  }
  delete process.env.VBT_BATCH_LANES;
  console.log(`${label}: one element per pass ${(B / today).toFixed(1)}, batch lanes ${(B / lanes).toFixed(1)} points per CPU-second → ${(today / lanes).toFixed(2)}× (target ≥ 2×), bit-identical: ${same}`);
}

export default async function (): Promise<void> {
  console.log('## batch lanes (one core, batches of 16)');
  const conn = network84();
  measure('G2D, 84 regions, 2 s at dt 0.5 ms', {
    model: 'Generic2dOscillator', connectivity: conn, coupling: 'Linear', integrator: { name: 'Heun', dt: 0.5 }, duration: 2000,
    monitors: [{ name: 'TemporalAverage', period: 10 }], initialConditions: { seed: 1 },
  }, 0, 0.02);
  measure('RWW + Bold, 84 regions, 20 s at dt 4 ms', {
    model: 'ReducedWongWang', connectivity: conn, coupling: 'Linear', integrator: { name: 'Heun', dt: 4 }, duration: 20000,
    monitors: [{ name: 'Bold', period: 1000 }], initialConditions: { history: new Float64Array(conn.n).fill(0.3) },
  }, 0.01, 0.7);
}
