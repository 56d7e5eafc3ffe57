/** Spike figures rendered through src/plot, and the firing animation as GIF (decoded by Pillow) and HTML. */
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveFiringAnimation } from '../src/spikes/index.js';
import { toSvg, savePlot } from '../src/plot/render.js';
import { countMarks, axisTitles, figureTitles, pngStats } from './plot-helpers.js';
import { smallReport } from './spikes-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'vbt-spike-plots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const report = smallReport;

describe('spike figures', () => {
  it('raster: one tick per spike, a rule between populations, titled axes', async () => {
    const svg = await toSvg(report().filter({ tStart: 1, tStop: 8 }).raster());
    expect(countMarks(svg, 'symbol')).toBe(10);
    expect(countMarks(svg, 'rule')).toBe(1);
    expect(axisTitles(svg)).toEqual(expect.arrayContaining(['time (ms)', 'node id']));
    const sub = await toSvg(report().filter({ tStart: 1, tStop: 8 }).raster({ maxPoints: 4 }));
    expect(countMarks(sub, 'symbol')).toBe(4); // every 3rd of 10
    expect(figureTitles(sub).join(' ')).toMatch(/1 in 3 of 10 spikes shown/);
    const byLayer = await toSvg(report().filter().raster({ yAxis: 'layer' }));
    expect(countMarks(byLayer, 'symbol')).toBe(8); // only cortex has 'layer'
  });

  it('firing-rate and ISI histograms: one bar per bin', async () => {
    const f = report().filter({ tStart: 1, tStop: 8 });
    const rate = await toSvg(f.firingRateHistogram({ binSize: 2 }));
    expect(countMarks(rate, 'rect')).toBe(4);
    expect(axisTitles(rate)).toEqual(expect.arrayContaining(['time (ms)', 'PSTH (Hz)']));
    const isi = await toSvg(f.isi({ binSize: 1 }));
    expect(countMarks(isi, 'rect')).toBe(7);
    const hz = await toSvg(f.isi({ frequency: true, binSize: 100 }));
    expect(axisTitles(hz)).toContain('frequency (Hz)');
    expect(countMarks(await toSvg(f.populationRatesPlot()), 'rect')).toBe(2);
  });

  it('saves PNG and HTML through savePlot', async () => {
    const png = join(dir, 'raster.png');
    await savePlot(report().filter().raster(), png);
    const st = pngStats(readFileSync(png));
    expect(st.width).toBeGreaterThan(300);
    expect(st.nonWhite).toBeGreaterThan(100);
    const html = join(dir, 'rate.html');
    await savePlot(report().filter().firingRateHistogram(), html);
    expect(readFileSync(html, 'utf8')).toMatch(/vbtRender\(/);
  });
});

describe('firing animation', () => {
  const f = () => report().filter({ tStart: 1, tStop: 8 });

  it('frames on the dt grid list the nodes spiking in each', () => {
    const a = f().firingAnimation({ dt: 2 });
    // [0,2): c2 c1 t0 | [2,4): t1 c0 c5 | [4,6): t0 | [6,8): t1 c2 | [8,10): t2
    expect(Array.from(a.start)).toEqual([0, 2, 4, 6, 8]);
    expect(a.points.map((p) => p.length)).toEqual([3, 3, 1, 2, 1]);
    const pos = (k: number) => Array.from(a.points[k], (q) => [a.populations[a.population[q]], a.x[q], a.y[q]]);
    expect(pos(0)).toEqual([['cortex', 30, 15], ['cortex', 10, 5], ['thalamus', 0, 2]]);
    expect(pos(2)).toEqual([['thalamus', 0, 2]]);
    expect(() => f().firingAnimation({ xAxis: 'layer', yAxis: 'nope' })).toThrow(/no population in the selection has numeric node properties 'layer' and 'nope'/);
    expect(() => f().firingAnimation({ dt: 0 })).toThrow(/dt must be a positive number/);
  });

  const py = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import PIL, numpy'], { encoding: 'utf8' }).status === 0);
  it.skipIf(!py)(`GIF: Pillow decodes one frame per dt with the spiking nodes drawn in their population colour${py ? '' : ' (skipped: python3 with Pillow and numpy not found; tried python3, /usr/bin/python3)'}`, () => {
    const path = join(dir, 'firing.gif');
    saveFiringAnimation(f(), path, { dt: 2, width: 200, height: 160 });
    expect(existsSync(path)).toBe(true);
    const script = `
import sys, json, numpy as np
from PIL import Image
im = Image.open(sys.argv[1]); out = {'size': im.size, 'frames': []}
for k in range(im.n_frames):
    im.seek(k); a = np.asarray(im.convert('RGB')).reshape(-1, 3)
    out['frames'].append([int(np.all(a == c, axis=1).sum()) for c in [(0, 114, 178), (230, 159, 0)]])
print(json.dumps(out))`;
    const r = spawnSync(py!, ['-c', script, path], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as { size: number[]; frames: number[][] };
    expect(got.size).toEqual([200, 160]);
    expect(got.frames.length).toBe(5);
    const present = got.frames.map(([c, t]) => [c > 0, t > 0]);
    expect(present).toEqual([[true, true], [true, true], [false, true], [true, true], [false, true]]);
  });

  it('HTML: self-contained page carrying the frames', () => {
    const path = join(dir, 'firing.html');
    saveFiringAnimation(f(), path, { dt: 2, title: 'Cortex & thalamus' });
    const html = readFileSync(path, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/);
    const data = JSON.parse(html.match(/<script id="spike-data" type="application\/json">(.*?)<\/script>/s)![1]);
    expect(data.frames.map((x: number[]) => x.length)).toEqual([3, 3, 1, 2, 1]);
    expect(html).toContain('Cortex &#38; thalamus');
    expect(() => saveFiringAnimation(f(), join(dir, 'x.mp4'))).toThrow(/use a \.gif or \.html file name/);
  });
});
