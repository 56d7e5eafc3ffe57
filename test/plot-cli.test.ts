import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../src/cli/main.js';
import { simulate } from '../src/simulation/simulate.js';
import { writeDefaultFigure, defaultFigure } from '../src/plot/default-figure.js';
import { ExperimentResult, ExplorationResult } from '../src/results/experiment.js';
import { pngStats, countMarks, figureTitles } from './plot-helpers.js';
import { toSvg } from '../src/plot/render.js';
import { grid, product } from '../algorithms/index.js';
import { ExplorationResult as SweepResult, AlgorithmResult as TuningResult, OptimizationResult as FitResult } from '../src/results/index.js';

const dir = mkdtempSync(join(tmpdir(), 'vbt-plot-cli-'));
const run = async (...args: string[]) => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'vbt', ...args]);
  } finally {
    console.log = log;
  }
  return lines.join('\n');
};

describe('vbt plot / vbt report', () => {
  const json = join(dir, 'run.json');
  beforeAll(async () => {
    await run('simulate', '-m', 'Generic2dOscillator', '--dt', '0.2', '--duration', '300', '--monitor', 'TemporalAverage:2', '--noise', '0.001', '-q', '--out', json);
  }, 60_000);

  it('writes each figure type of a simulate --out JSON, in the format of the extension', async () => {
    const cases: [string, string][] = [['default', 'png'], ['timeseries', 'svg'], ['channels', 'svg'], ['heatmap', 'png'], ['spectrum', 'svg'], ['fc', 'svg'], ['fcd', 'svg'], ['phase-plane', 'svg'], ['network', 'html'], ['degree', 'svg']];
    for (const [type, ext] of cases) {
      const out = join(dir, `${type}.${ext}`);
      expect(await run('plot', json, '--type', type, '--out', out)).toBe(`figure written to ${out}`);
      const bytes = readFileSync(out);
      if (ext === 'png') expect(pngStats(bytes).nonWhite, type).toBeGreaterThan(1000);
      if (ext === 'svg') expect(bytes.toString('utf8').startsWith('<svg'), type).toBe(true);
      if (ext === 'html') expect(bytes.toString('utf8')).toContain('vbtRender');
    }
    const ts = readFileSync(join(dir, 'timeseries.svg'), 'utf8');
    expect(countMarks(ts, 'line')).toBe(8);
    const gif = join(dir, 'anim.gif');
    await run('plot', json, '--type', 'animation', '--frames', '2', '--out', gif);
    expect(String.fromCharCode(...readFileSync(gif).subarray(0, 6))).toBe('GIF89a');
  }, 60_000);

  it('bad input names the option and the choices', async () => {
    await expect(run('plot', json, '--type', 'bogus', '--out', join(dir, 'x.png'))).rejects.toThrow(/--type 'bogus'.*expected one of default, timeseries/);
    await expect(run('plot', json, '--out', join(dir, 'x.jpg'))).rejects.toThrow(/expected \.svg, \.png or \.html/);
    await expect(run('plot', join(dir, 'missing.json'), '--out', join(dir, 'x.png'))).rejects.toThrow(/missing.json: no such file/);
    await expect(run('plot', json, '--type', 'timeseries', '--variable', 'Q', '--out', join(dir, 'x.svg'))).rejects.toThrow(/unknown variable 'Q'; this series has: V/);
    await expect(run('report', json, '--out', join(dir, 'r.txt'))).rejects.toThrow(/expected a \.html path/);
    expect(existsSync(join(dir, 'x.png'))).toBe(false);
  });

  it('report writes one self-contained page with the network of the run', async () => {
    const out = join(dir, 'report.html');
    expect(await run('report', json, '--out', out)).toBe(`report written to ${out}`);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html.includes('Network overview')).toBe(true);
    expect(html.includes('dV/dt')).toBe(true);
  });

  it('plots an experiment file (exploration heatmap)', async () => {
    const exp = new ExperimentResult({ id: 'e1', explorations: { g: new ExplorationResult({ name: 'g', axes: [{ name: 'a', values: [1, 2] }, { name: 'b', values: [1, 2, 3] }], results: [3, 2, 1, 4, 5, 6], observable: 'loss' }) } });
    const nc = join(dir, 'exp.nc');
    await exp.save(nc);
    const out = join(dir, 'exp.svg');
    await run('plot', nc, '--out', out);
    const svg = readFileSync(out, 'utf8');
    expect(countMarks(svg, 'rect')).toBe(6);
    expect(figureTitles(svg)[0]).toContain("Exploration 'g'");
    await expect(run('plot', nc, '--type', 'loss', '--out', out)).rejects.toThrow(/no optimization results/);
    await expect(run('report', nc, '--out', join(dir, 'exp.html'))).rejects.toThrow(/without an integration/);
    // with an integration: the report describes it and appends the exploration
    const { readSimulationResult } = await import('../src/io/files.js');
    const withRun = new ExperimentResult({ id: 'e2', integration: await readSimulationResult(json), explorations: exp.explorations });
    const nc2 = join(dir, 'exp2.nc');
    await withRun.save(nc2);
    await run('report', nc2, '--out', join(dir, 'exp2.html'));
    const page = readFileSync(join(dir, 'exp2.html'), 'utf8');
    expect(page.includes('<h3>Exploration &#39;g&#39;</h3>')).toBe(true);
    expect(page.includes('dV/dt')).toBe(true);
  });

  it('plots the JSON results of vbt explore, vbt fic/eib and fits', async () => {
    const sweep = join(dir, 'sweep.json');
    const space = product(grid('G', 0, 1, 3), grid('speed', 1, 3, 3), grid('sigma', 0, 1, 2));
    new SweepResult('s', space, { fc_corr: Float64Array.from({ length: 18 }, (_, k) => Math.cos(k)) }).save(sweep);
    const out = join(dir, 'sweep.svg');
    await expect(run('plot', sweep, '--out', out, '--force')).rejects.toThrow(/3 dimensions \(G, speed, sigma\).*--fix NAME=VALUE/);
    await run('plot', sweep, '--fix', 'sigma=1', '--out', out, '--force');
    let svg = readFileSync(out, 'utf8');
    expect(countMarks(svg, 'rect')).toBe(9);
    expect(figureTitles(svg)[0]).toContain('(maximum marked)');

    const tune = join(dir, 'fic.json');
    new TuningResult({ name: 'fic', state: {}, history: { rate: [9, 5, 3.2] }, nIterations: 3, preTuning: { means: { rate: [9, 8, 7] }, metrics: {} }, postTuning: { means: { rate: [3.1, 3, 2.9] }, metrics: {} } }).save(tune);
    await run('plot', tune, '--out', out, '--force');
    expect(countMarks(readFileSync(out, 'utf8'), 'line')).toBe(1);
    await run('plot', tune, '--type', 'before-after', '--out', out, '--force');
    svg = readFileSync(out, 'utf8');
    expect(countMarks(svg, 'symbol')).toBe(6);
    await expect(run('plot', tune, '--type', 'loss', '--out', out, '--force')).rejects.toThrow(/expected one of default, convergence, before-after/);

    const fit = join(dir, 'fit.json');
    new FitResult({ name: 'fit', state: { G: 0.3, J: [1, 2, 3, 4] }, lossTrajectory: [1, 0.5, 0.3], stateTrajectory: [{ G: 0.1 }, { G: 0.2 }, { G: 0.3 }] }).save(fit);
    await run('plot', fit, '--out', out, '--force');
    expect(figureTitles(readFileSync(out, 'utf8'))[0]).toContain('best 0.3 at step 2');
    await run('plot', fit, '--type', 'regional', '--out', out, '--force');
    expect(countMarks(readFileSync(out, 'utf8'), 'rect')).toBe(4);
    await run('plot', fit, '--type', 'parameters', '--out', out, '--force');
    expect(countMarks(readFileSync(out, 'utf8'), 'line')).toBe(1);
  });

  it('writeDefaultFigure writes a PNG of the first variable and the raster', async () => {
    const res = await simulate({ model: 'JansenRit', duration: 100, integrator: { name: 'Heun', dt: 0.1 }, monitors: [{ name: 'TemporalAverage', period: 1 }], threads: 1 });
    const png = join(dir, 'sub', 'demo.png');
    expect(await writeDefaultFigure(res, png)).toBe(png);
    const st = pngStats(readFileSync(png));
    expect(st.nonWhite).toBeGreaterThan(5000);
    const svg = await toSvg(defaultFigure(res));
    expect(countMarks(svg, 'line')).toBe(8);
    expect(countMarks(svg, 'rect')).toBe(100 * 20);
  }, 30_000);
});
