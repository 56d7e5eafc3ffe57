/**
 * The forward pass through the run plan equals the kernel engine as it was before the plan existed
 * (issue 13): outputs pinned by test/fixtures/plan-forward/generate.ts at commit d98d0e3, every
 * catalogue model and the integrator / coupling / noise / stimulus variants, both kernels.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulateSync } from '../src/simulation/simulate.js';
import { FORWARD_CASES } from './fixtures/plan-forward/cases.js';

const pinned: Record<string, number[]> = JSON.parse(readFileSync(new URL('./fixtures/plan-forward/plan-forward.json', import.meta.url), 'utf8'));

/** max |a − b| / max(|b|, 1e-300) over the run, with the scale of the whole series as the floor. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0, err = 0;
  for (let k = 0; k < b.length; k++) scale = Math.max(scale, Math.abs(b[k]));
  for (let k = 0; k < b.length; k++) err = Math.max(err, Math.abs(a[k] - b[k]) / Math.max(Math.abs(b[k]), 1e-3 * scale, 1e-300));
  return err;
}

describe('run plan forward = pinned kernel engine', () => {
  for (const c of FORWARD_CASES) {
    for (const kernel of ['js', 'wasm'] as const) {
      it(`${c.name} (${kernel})`, () => {
        const ref = pinned[`${c.name}/${kernel}`];
        expect(ref, 'case missing from the fixture').toBeDefined();
        const got = simulateSync({ ...c.config(), kernel }).monitor('SubSample').data;
        expect(got.length).toBe(ref.length);
        expect(relErr(got, ref)).toBeLessThanOrEqual(1e-12);
      });
    }
  }
});
