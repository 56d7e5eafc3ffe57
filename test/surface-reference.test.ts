/**
 * Cortical-surface runs against TVB's own surface simulations (test/fixtures/surface, made by
 * tools/make_tvb_surface_references.py): every case passes the region cases' rule, and switching off
 * what a case exercises (local coupling, stimulus, noise) makes it fail, so the pass is not vacuous.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared';
import { checkSurfaceReference, readSurfaceReference } from '../src/reference/surface';
import { simulateSurface, simulateSurfaceAsync } from '../src/surface/run';
import { checkReference } from '../src/reference/check';

const FIX = resolve(__dirname, 'fixtures/surface');
const DATA = sharedPath('data', 'tvb');
const HAVE = HAVE_SHARED && existsSync(join(DATA, 'cortex_16384.zip'));
const cases = existsSync(FIX) ? readdirSync(FIX).filter((f) => f.endsWith('.h5')).sort() : [];
const why = HAVE ? '' : ` (skipped: ${SKIP_REASON})`;

/** Largest |ours − TVB| over the stored samples of monitor 0, relative to TVB's range. */
async function deviation(file: string, change: (cfg: Awaited<ReturnType<typeof readSurfaceReference>>['config']) => void): Promise<number> {
  const ref = await readSurfaceReference(join(FIX, file), DATA);
  change(ref.config);
  const res = simulateSurface(ref.config);
  const m = ref.monitors[0];
  const out = res.monitors[0];
  const [, T, V, Nn] = out.shape;
  const cols = m.vertexIndex!;
  let e = 0, lo = Infinity, hi = -Infinity;
  for (let s = 0; s < T; s++) for (let v = 0; v < V; v++) for (let c = 0; c < cols.length; c++) {
    const tvb = m.data[(s * V + v) * cols.length + c];
    lo = Math.min(lo, tvb); hi = Math.max(hi, tvb);
    e = Math.max(e, Math.abs(out.data[(s * V + v) * Nn + cols[c]] - tvb));
  }
  return e / (hi - lo);
}

describe('TVB surface reference cases', () => {
  it('there are surface cases for two models, with/without local coupling, noise, a stimulus, Raw and region averages', () => {
    expect(cases).toEqual(expect.arrayContaining(['g2d_surface_lc.h5', 'g2d_surface_nolc.h5', 'g2d_surface_noise.h5', 'g2d_surface_stim.h5', 'jr_surface_lc.h5']));
  });

  for (const c of cases) {
    it.skipIf(!HAVE)(`${c} passes the reference rule${why}`, async () => {
      const r = await checkSurfaceReference(join(FIX, c), { dataDir: DATA });
      expect(r.error).toBeUndefined();
      for (const m of r.monitors) {
        expect(m.ok, `${c} ${m.name}: err ${m.maxAbsErr} ratio ${m.worstRatio}`).toBe(true);
        // the float64 engine lands on TVB's float64 run, about a tenth of the allowance or less
        expect(m.worstRatio).toBeLessThan(0.2);
      }
      expect(r.monitors.length).toBe(2);
    }, 120_000);
  }

  it.skipIf(!HAVE)(`vbt reference-check dispatches surface files${why}`, async () => {
    const r = await checkReference(join(FIX, 'g2d_surface_nolc.h5'), { dataDir: DATA });
    expect(r.ok).toBe(true);
  }, 120_000);

  it.skipIf(!HAVE)(`the exercised features matter: without them the same runs miss TVB by far more than the tolerance${why}`, async () => {
    expect(await deviation('g2d_surface_lc.h5', () => undefined)).toBeLessThan(1e-8);
    expect(await deviation('g2d_surface_lc.h5', (cfg) => { cfg.localCoupling = 0; })).toBeGreaterThan(1e-3);
    expect(await deviation('g2d_surface_nolc.h5', (cfg) => { cfg.localConnectivity = join(DATA, 'local_connectivity_16384.mat'); cfg.localCoupling = 1; })).toBeGreaterThan(1e-3);
    expect(await deviation('g2d_surface_stim.h5', (cfg) => { cfg.stimulus = undefined; })).toBeGreaterThan(1e-3);
    expect(await deviation('g2d_surface_noise.h5', (cfg) => { cfg.integrator.noise = undefined; })).toBeGreaterThan(1e-4);
    // and a noise seed other than TVB's
    expect(await deviation('g2d_surface_noise.h5', (cfg) => { cfg.integrator.noise!.seed = 8; })).toBeGreaterThan(1e-4);
  }, 300_000);

  it.skipIf(!HAVE)(`a batch over worker threads equals the runs done one by one${why}`, async () => {
    const ref = await readSurfaceReference(join(FIX, 'g2d_surface_lc.h5'), DATA);
    const cfg = { ...ref.config, duration: 2, monitors: [{ name: 'SpatialAverage' as const, period: 0.5 }] };
    const batch = await simulateSurfaceAsync({ ...cfg, batch: { 'coupling.a': [0.1, 0.3] }, threads: 2 });
    const one = simulateSurface({ ...cfg, couplingParameters: { ...cfg.couplingParameters, a: 0.3 } });
    const w = one.monitors[0].data.length;
    expect(batch.monitors[0].shape[0]).toBe(2);
    const second = batch.monitors[0].data.subarray(w, 2 * w);
    let e = 0;
    for (let q = 0; q < w; q++) e = Math.max(e, Math.abs(second[q] - one.monitors[0].data[q]));
    expect(e).toBe(0);
    expect(batch.surface?.regionMapping.length).toBe(16384);
  }, 120_000);
});
