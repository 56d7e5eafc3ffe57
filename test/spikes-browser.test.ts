/**
 * Spike pages in a real headless Chromium (Debian's `chromium`, driven by playwright-core): the
 * firing-animation player draws its frames and follows the slider, and a raster saved as HTML
 * renders. Skips, saying so, when no Chromium exists (CI: apt-get install -y chromium).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { SpikeReport, NodeTable, saveFiringAnimation } from '../src/spikes/index.js';
import { savePlot } from '../src/plot/render.js';

const CANDIDATES = [process.env.VBT_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium', '/usr/bin/google-chrome'].filter((p): p is string => !!p);
const CHROMIUM = CANDIDATES.find((p) => existsSync(p));
const SKIP = `no Chromium found (looked at ${CANDIDATES.join(', ')}); skipping the spike pages' browser test`;

const dir = mkdtempSync(join(tmpdir(), 'vbt-spikes-browser-'));
const report = () =>
  SpikeReport.fromSpikes(
    { cortex: { timestamps: [1, 1, 3, 12, 25], nodeIds: [0, 2, 1, 2, 0] } },
    { nodes: { cortex: new NodeTable({ x: new Float64Array([0, 10, 20]), y: new Float64Array([0, 10, 0]) }) } },
  );

describe.skipIf(!CHROMIUM)(`spike pages in headless Chromium ${CHROMIUM ? '' : SKIP}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('firing animation player: frames drawn, slider moves the frame, no console errors', async () => {
    const path = join(dir, 'firing.html');
    saveFiringAnimation(report().filter(), path, { dt: 10 });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(path).href);
    expect(await page.getAttribute('body', 'data-frames')).toBe('3'); // [0,10) [10,20) [20,30)
    await page.click('#pb'); // pause, then pick frame 1 with the slider
    await page.$eval('#sl', (el) => {
      const s = el as HTMLInputElement;
      s.value = '1';
      s.dispatchEvent(new Event('input'));
    });
    expect(await page.textContent('#lb')).toBe('t = 10–20 ms (1 spiking)');
    const coloured = await page.$eval('#cv', (el) => {
      const c = el as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] === 0 && d[i + 1] === 114 && d[i + 2] === 178) n++;
      return n;
    });
    expect(coloured).toBeGreaterThan(5); // node 2 drawn in the population colour
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('raster saved as HTML renders an SVG with one mark per spike', async () => {
    const path = join(dir, 'raster.html');
    await savePlot(report().filter().raster(), path);
    const page = await browser.newPage();
    await page.goto(pathToFileURL(path).href);
    await page.waitForSelector('figure[data-rendered="true"] svg', { timeout: 20_000 });
    expect(await page.$$eval('figure svg .mark-symbol path', (p) => p.length)).toBe(5);
    await page.close();
  }, 30_000);
});
