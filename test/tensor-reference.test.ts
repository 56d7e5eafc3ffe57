/**
 * Agreement of the tensor engine (float32, cpu backend) with the float64 kernel engine on every
 * public TVB reference case over the first 100 ms: max |tensor − kernel| / max |kernel| per monitor,
 * held to 1e-3 (issue #3) and, to catch regressions, to 1e-5.
 *
 * Measured (cpu backend): the cases run by segment ops (segment.ts), which step the state in float64
 * and round only what they output, sit at float32's output rounding, 3e-8 … 8e-8: rwwei_clamp 2.98e-8
 * and epileptor_difference 6.89e-8 (1.02e-3 and 1.65e-3 when the state was rounded to float32 every
 * step: near the clamp, and in the Epileptor's fast subsystem, the rounding grew ~10^4-fold within
 * 100 ms). Step by step in float32 still: g2d_linear_rk4 8.73e-7 (RK4 is not fused) and
 * hopfield_presigmoidal 3.71e-6 (PreSigmoidal's gathering).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { basename } from 'node:path';
import { HAVE_SHARED, SKIP_REASON, referenceFiles } from './shared.js';
import { loadBackend } from '../src/backend/index.js';
import { TensorSimulator } from '../src/tensor/index.js';
import { simulateSync } from '../src/simulation/simulate.js';
import { readReference } from '../src/reference/read.js';
import { configFromReference } from '../src/reference/check.js';

const TARGET = 1e-3, TIGHT = 1e-5;
const TENSOR_MONITORS = new Set(['Raw', 'SubSample', 'TemporalAverage']);

describe.skipIf(!HAVE_SHARED)('tensor engine (float32) vs kernel engine (float64) on the TVB reference cases, first 100 ms', () => {
  if (!HAVE_SHARED) it.skip(SKIP_REASON, () => {});
  beforeAll(async () => { await loadBackend('cpu'); });
  const measured: string[] = [];

  it.each(referenceFiles().map((f) => basename(f, '.h5')))('%s', async (name) => {
    const file = referenceFiles().find((f) => basename(f, '.h5') === name)!;
    const ref = await readReference(file);
    const cfg = configFromReference(ref);
    cfg.monitors = (cfg.monitors ?? []).filter((m) => TENSOR_MONITORS.has(m.name));
    if (!cfg.monitors.length) return; // BOLD-only cases: the tensor BOLD monitor is tested with the observation models
    cfg.duration = Math.min(cfg.duration, 100);
    const k = simulateSync(cfg);
    const sim = new TensorSimulator(cfg);
    const out = sim.run();
    for (let i = 0; i < k.monitors.length; i++) {
      const a = k.monitors[i].data, b = out.monitors[i].data.dataSync();
      expect(b.length).toBe(a.length);
      let d = 0, m = 0;
      for (let q = 0; q < a.length; q++) { d = Math.max(d, Math.abs(a[q] - b[q])); m = Math.max(m, Math.abs(a[q])); }
      const rel = d / m;
      measured.push(`${name} ${k.monitors[i].name}: ${rel.toExponential(2)}`);
      expect(rel, `${name} ${k.monitors[i].name}`).toBeLessThan(TARGET);
      expect(rel, `${name} ${k.monitors[i].name}`).toBeLessThan(TIGHT);
    }
    out.dispose();
    sim.dispose();
    if (name === basename(referenceFiles().at(-1)!, '.h5')) console.log(`max rel. error, tensor(float32) vs kernel(float64):\n  ${measured.join('\n  ')}`);
  }, 120000);
});
