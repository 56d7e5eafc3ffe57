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
    expect(html).toContain('Network overview');
    expect(html).toContain('dV/dt');
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
