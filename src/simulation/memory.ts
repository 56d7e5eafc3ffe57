/**
 * How much memory a run will take, known before it starts: the monitors' output buffers dominate
 * (batch × samples × variables × nodes × modes × 8 bytes), then the delay history. A run that will
 * not fit is refused with the estimate and the ways out, instead of dying an hour in with "Invalid
 * typed array length" and nothing saved.
 */
import { constants as bufferConstants } from 'node:buffer';
import { totalmem } from 'node:os';
import type { PreparedRun } from './plan.js';

export interface MemoryEstimate {
  /** Bytes the run holds at its peak (outputs + history + state + links). */
  bytes: number;
  monitors: { name: string; samples: number; values: number; bytes: number }[];
  historyBytes: number;
  /** Bytes a writer copies on top (h5wasm copies the data into its own heap). */
  writeBytes: number;
  /** The largest single buffer, which must also fit one typed array. */
  largestArrayBytes: number;
}

export function estimateMemory(prep: PreparedRun): MemoryEstimate {
  const { plan, B, H } = prep;
  const nsv = prep.stateVariables.length;
  const S = nsv * plan.N * plan.M;
  const monitors = plan.monitors.map((m) => {
    const [V, N, M] = m.sampleShape;
    const values = B * Math.max(1, m.nSamples) * V * N * M;
    return { name: m.name, samples: m.nSamples, values, bytes: values * 8 + m.nSamples * 8 };
  });
  const historyBytes = B * 2 * H * S * 8;
  const links = ((prep.data.lnkOff as Int32Array | undefined)?.length ?? 0) * 13;
  const out = monitors.reduce((a, m) => a + m.bytes, 0);
  const largest = Math.max(historyBytes, ...monitors.map((m) => m.values * 8));
  return { bytes: out + historyBytes + B * S * 8 * 4 + links, monitors, historyBytes, writeBytes: Math.max(0, ...monitors.map((m) => m.values * 8)), largestArrayBytes: largest };
}

/** Bytes a run may use: VBT_MEMORY_LIMIT (bytes, or with K/M/G), else 80 % of physical memory. */
export function memoryBudget(): number {
  const env = process.env.VBT_MEMORY_LIMIT;
  if (env) {
    const m = /^\s*([\d.]+)\s*([kmgt]?)i?b?\s*$/i.exec(env);
    if (!m) throw new Error(`VBT_MEMORY_LIMIT: '${env}' is not a size; expected bytes or a number with K, M, G or T`);
    return Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
  }
  return Math.floor(totalmem() * 0.8);
}

export const fmtBytes = (b: number): string => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${Math.ceil(b / 1024)} KiB`);

/** Throw, before any work, when the estimate does not fit the budget or one buffer cannot exist. */
export function checkMemory(est: MemoryEstimate, opts: { budget?: number; writing?: boolean } = {}): void {
  const budget = opts.budget ?? memoryBudget();
  const need = est.bytes + (opts.writing ? est.writeBytes : 0);
  // V8 caps a typed array's length (2^32 elements in Node 20), whatever the memory
  const maxArray = Math.min(bufferConstants.MAX_LENGTH, 2 ** 53) * 8;
  const tooBigArray = est.largestArrayBytes > maxArray;
  if (need <= budget && !tooBigArray) return;
  const parts = est.monitors.map((m) => `${m.name} ${fmtBytes(m.bytes)} (${m.samples} samples)`).join(', ');
  throw new Error(
    `memory: this run needs about ${fmtBytes(need)} (monitors: ${parts}; delay history ${fmtBytes(est.historyBytes)}${opts.writing ? `; writing copies ${fmtBytes(est.writeBytes)}` : ''}) ` +
      (tooBigArray ? `and one buffer of ${fmtBytes(est.largestArrayBytes)} exceeds the largest typed array this JavaScript engine allows (${fmtBytes(maxArray)} of float64); ` : `but the budget is ${fmtBytes(budget)} (VBT_MEMORY_LIMIT or 80 % of RAM); `) +
      'ways out: a larger monitor period (e.g. TemporalAverage:1 instead of Raw), fewer variables of interest, a shorter duration, or --stream (API: simulateToFile) to write samples to the file in chunks as the run goes',
  );
}
