/**
 * Runs that keep their warm-up: tvbo's SimulationResult.transient is the warm-up trajectory
 * itself. The monitors record from the first step through transient + duration, and the output is
 * cut at the transient time: samples at t ≤ transient form `result.transient`, the rest the
 * result. (With `SimulationConfig.transient` the engine does not record the warm-up at all, so
 * averaging monitors start their first window after it; here they run through it, as when a TVB
 * user simulates the whole length and cuts the start afterwards.)
 */
import { simulate } from './simulate.js';
import { SimulationResult, type MonitorOutput } from '../results/simulation.js';
import type { SimulationConfig } from './config.js';

function cut(m: MonitorOutput, from: number, to: number): MonitorOutput {
  const [B, T, V, N, M] = m.shape;
  const S = V * N * M, n = to - from;
  const data = new Float64Array(B * n * S);
  for (let b = 0; b < B; b++) data.set(m.data.subarray((b * T + from) * S, (b * T + to) * S), b * n * S);
  return { ...m, time: m.time.slice(from, to), data, shape: [B, n, V, N, M] };
}

/**
 * Split a run recorded from its first step at `transient` ms: the result holds the samples a run
 * with that transient would record, and its `transient` the samples before them.
 */
export function splitTransient(res: SimulationResult, transient: number): SimulationResult {
  const { dt, horizon } = res.info;
  const steps = Math.ceil(transient / dt);
  // steps run from the history horizon H; a run with this transient would record steps s ≥ H + steps.
  // Point samples (Raw, SubSample, Bold) are stamped s·dt, averages (s − istep/2)·dt.
  const sFirst = horizon + steps;
  const head: MonitorOutput[] = [], tail: MonitorOutput[] = [];
  for (const m of res.monitors) {
    const istep = Math.round(m.period / dt);
    const averaged = !['Raw', 'SubSample', 'Bold', 'AfferentCoupling'].includes(m.name);
    const threshold = (sFirst - (averaged ? istep / 2 : 0) - 0.5) * dt;
    let k = 0;
    while (k < m.time.length && m.time[k] < threshold) k++;
    head.push(cut(m, 0, k));
    tail.push(cut(m, k, m.time.length));
  }
  const out = new SimulationResult(tail, { ...res.info, transientSteps: steps, nSteps: res.info.nSteps - steps });
  // the state at the end of the warm-up is not kept by the engine
  out.transient = new SimulationResult(head, { ...res.info, nSteps: steps, transientSteps: 0, finalState: new Float64Array(res.info.finalState.length).fill(NaN) });
  if (res.network) { out.network = res.network; out.transient.network = res.network; }
  return out;
}

/**
 * Simulate `cfg.transient` + `cfg.duration` with the monitors recording throughout, then split.
 *
 * @example
 * ```ts
 * import { simulateKeepingTransient } from 'vbt';
 * const res = await simulateKeepingTransient({ model: 'JansenRit', integrator: { dt: 0.5 }, transient: 100, duration: 400,
 *   monitors: [{ name: 'TemporalAverage', period: 1 }] });
 * res.transient!.monitor().shape[1]; // 100 samples of warm-up
 * ```
 */
export async function simulateKeepingTransient(cfg: SimulationConfig): Promise<SimulationResult> {
  const transient = cfg.transient ?? 0;
  const res = await simulate({ ...cfg, transient: 0, duration: transient + cfg.duration });
  return splitTransient(res, transient);
}
