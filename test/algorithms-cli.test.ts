import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlgorithmResult, ExplorationResult } from '../algorithms/index.js';
import { vbt } from './cli-helpers.js';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared.js';

describe.skipIf(!HAVE_SHARED)(`CLI: fic and explore on dk_average ${HAVE_SHARED ? '' : SKIP_REASON}`, () => {
  const dk = sharedPath('data', 'dk_average');
  it('vbt fic (Deco 2014, 3 Hz) moves the mean rate from ≈17 Hz toward 3 Hz and writes an AlgorithmResult', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vbt-cli-'));
    try {
      const out = join(dir, 'fic.json');
      const text = await vbt('fic', '--dk-average', dk, '--rule', 'deco2014', '--rate', '3', '-n', '15', '--transient', '4000', '--eval', '4000', '-q', '-o', out);
      expect(text).toMatch(/FIC deco2014: 15 iterations/);
      const r = AlgorithmResult.load(out);
      expect(r.preTuning!.metrics.meanRate).toBeGreaterThan(10);
      expect(Math.abs(r.postTuning!.metrics.meanRate - 3)).toBeLessThan(0.5);
      expect((r.state.J_i as number[]).length).toBe(84);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
  it('vbt explore writes a grid-shaped ExplorationResult with fc_corr and RMSE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vbt-cli-'));
    try {
      const out = join(dir, 'ex.json');
      const text = await vbt('explore', '--dk-average', dk, '--grid', 'coupling.a=0.1:0.4:2', '--values', 'w=0.15', '--duration', '25000', '--transient', '2000', '--skip', '5', '-q', '-o', out);
      expect(text).toMatch(/2 points \(shape 2×1\)/);
      const r = ExplorationResult.load(out);
      expect(r.shape).toEqual([2, 1]);
      for (const v of r.results.fc_corr) { expect(v).toBeGreaterThan(-1); expect(v).toBeLessThan(1); }
      for (const v of r.results.rmse) expect(v).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
  it('bad input is named', async () => {
    await expect(vbt('explore', '--dk-average', dk, '--grid', 'coupling.a=0.1:0.4', '-q')).rejects.toThrow(/--grid: 'coupling.a=0.1:0.4' is not NAME=LO:HI:N/);
    await expect(vbt('eib', '--connectivity', sharedPath('data', 'tvb', 'connectivity_76.zip'), '-n', '1', '-q')).rejects.toThrow(/needs the empirical FC/);
  });
});
