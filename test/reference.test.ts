/** Conformance: every public TVB reference run (Bold included) is reproduced within the rule. */
import { describe, expect, it } from 'vitest';
import { basename } from 'node:path';
import { HAVE_SHARED, SKIP_REASON, referenceFiles } from './shared.js';
import { checkReference, formatCheck } from '../src/reference/check.js';
import { readReference } from '../src/reference/read.js';
import { Connectivity } from '../src/network/connectivity.js';

describe.skipIf(!HAVE_SHARED)(`TVB reference runs ${HAVE_SHARED ? '' : SKIP_REASON}`, () => {
  for (const file of referenceFiles()) {
    const name = basename(file, '.h5');
    it(name, async () => {
      const r = await checkReference(file);
      const line = formatCheck(r);
      expect(line).toMatch(/^(PASS|FAIL) /);
      expect(r.error).toBeUndefined();
      expect(r.ok, line).toBe(true);
      for (const m of r.monitors) {
        expect(m.ok, `${name} ${m.name}: ${line}`).toBe(true);
        expect(m.worstRatio, `${name} ${m.name}: ${line}`).toBeLessThanOrEqual(1);
        // The allowance is 10x TVB's own float32-vs-float64 deviation and a float64 engine lands on the
        // float64 side of it, so the ratio sits at ~0.1. Far below would mean we compared the reference with
        // itself (or a vacuous rule); far above, that our arithmetic drifted from the float64 reimplementation.
        expect(m.worstRatio, `${name} ${m.name}: ${line}`).toBeGreaterThan(0.05);
        expect(m.worstRatio, `${name} ${m.name}: ${line}`).toBeLessThan(0.2);
      }
    }, 60_000);
  }
  it('delays computed from tract lengths equal the stored idelays', async () => {
    for (const file of referenceFiles()) {
      const ref = await readReference(file);
      const conn = new Connectivity({ weights: ref.weights, tractLengths: ref.tractLengths, speed: ref.conductionSpeed });
      const d = conn.delays(ref.dt);
      expect(Array.from(d.idelays)).toEqual(Array.from(ref.idelays));
      expect(d.horizon).toBe(ref.horizon);
    }
  });
});
