/**
 * The HTML report in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * the page loads without console errors, every figure renders an SVG with its expected marks,
 * and a full-page screenshot is saved to out/test-artifacts/report.png.
 *
 * The browser is found at $VBT_CHROMIUM, else /usr/bin/chromium, /usr/bin/chromium-browser,
 * /usr/lib/chromium/chromium, /usr/bin/google-chrome(-stable); the test skips, saying so, only when
 * none exists (CI installs it: apt-get install -y chromium).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { simulate } from '../src/simulation/simulate.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { buildReport, reportFigures } from '../src/report/report.js';
import { animateHtml } from '../src/plot/animate.js';
import { timeSeriesFromResult } from '../src/plot/data.js';
import { pngStats } from './plot-helpers.js';

const CANDIDATES = [process.env.VBT_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'].filter((p): p is string => !!p);
const CHROMIUM = CANDIDATES.find((p) => existsSync(p));
const SKIP = `no Chromium found (looked at ${CANDIDATES.join(', ')}); install Debian's chromium (apt-get install -y chromium) or set VBT_CHROMIUM`;

const ARTIFACTS = resolve(__dirname, '../out/test-artifacts');

describe.skipIf(!CHROMIUM)(`HTML report in headless Chromium ${CHROMIUM ? '' : SKIP}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  }, 60_000);
  afterAll(async () => { await browser?.close(); });

  it('loads without console errors; every figure renders an SVG with its expected marks; screenshot saved', async () => {
    const conn = syntheticConnectome({ nodes: 12 });
    const res = await simulate({
      model: 'Generic2dOscillator', connectivity: conn, parameters: { a: -0.5 },
      integrator: { name: 'Heun', dt: 0.2, noise: { nsig: 0.001, seed: 3 } }, duration: 400,
      monitors: [{ name: 'TemporalAverage', period: 2 }], threads: 1,
    });
    const figs = reportFigures(res, { connectivity: conn });
    const html = buildReport(res, { connectivity: conn, source: 'report-browser.test.ts' });
    const dir = mkdtempSync(join(tmpdir(), 'vbt-report-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, html);

    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.evaluate(() => Promise.all((window as unknown as { vbtFigures: Promise<unknown>[] }).vbtFigures).then(() => true));

    const found = await page.$$eval('figure.vbt-figure', (els) => els.map((el) => {
      const svg = el.querySelector('svg');
      const marks: Record<string, number> = {};
      for (const m of (el.getAttribute('data-marks') ?? '').split(' ').filter(Boolean)) {
        marks[m] = svg ? svg.querySelectorAll(`g.mark-${m} > path, g.mark-${m} > line`).length : 0;
      }
      return { id: el.id, rendered: el.getAttribute('data-rendered'), error: el.getAttribute('data-error'), width: svg ? Number(svg.getAttribute('width')) : 0, marks };
    }));
    expect(errors).toEqual([]);
    expect(found.length).toBe(figs.length);
    expect(figs.map((f) => f.title)).toEqual(expect.arrayContaining(['Time series', 'Power spectrum', 'Functional connectivity', 'Phase plane', 'Network overview']));
    for (const f of found) {
      expect(f.error, f.id).toBeNull();
      expect(f.rendered, f.id).toBe('true');
      expect(f.width, f.id).toBeGreaterThan(100);
      for (const [m, n] of Object.entries(f.marks)) expect(n, `${f.id} mark ${m}`).toBeGreaterThan(0);
    }
    // the time-series figure draws one line per shown node (8 of 12)
    expect(found[0].marks.line).toBe(8);
    // description: equations and parameters of the model, key numbers
    const text = await page.innerText('body');
    expect(text).toContain('dV/dt = d * tau * (alpha * W');
    expect(text).toContain('(changed from default)');
    expect(text).toMatch(/dominant frequency \(median over nodes\)\s+[\d.]+ ± [\d.]+ Hz/);

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    const st = pngStats(readFileSync(shot));
    expect(st.height).toBeGreaterThan(2000);
    expect(st.colours).toBeGreaterThan(50);
    console.log(`report screenshot saved to ${shot}`);
    await page.close();
  }, 60_000);

  it('animation page: the play button advances the frames', async () => {
    const conn = syntheticConnectome({ nodes: 6 });
    const res = await simulate({ model: 'Generic2dOscillator', connectivity: conn, integrator: { name: 'Heun', dt: 0.5 }, duration: 100, monitors: [{ name: 'TemporalAverage', period: 5 }], threads: 1 });
    const file = join(mkdtempSync(join(tmpdir(), 'vbt-anim-')), 'anim.html');
    writeFileSync(file, animateHtml(conn, timeSeriesFromResult(res), { frames: 20, intervalMs: 30 }));
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.evaluate(() => Promise.all((window as unknown as { vbtFigures: Promise<unknown>[] }).vbtFigures).then(() => true));
    const label = () => page.$eval('#vbt-anim svg', (svg) => Array.from(svg.querySelectorAll('text')).map((t) => t.textContent ?? '').find((t) => t.startsWith('t = ')));
    const first = await label();
    expect(first).toBe(`t = ${res.monitor(0).time[0]} ms`);
    expect(await page.$$eval('#vbt-anim svg g.mark-symbol path', (p) => p.length)).toBe(6);
    await page.click('#vbt-play');
    await page.waitForFunction((t0) => {
      const txt = Array.from(document.querySelectorAll('#vbt-anim svg text')).map((t) => t.textContent ?? '').find((t) => t.startsWith('t = '));
      return txt !== undefined && txt !== t0;
    }, first, { timeout: 5000 });
    expect(await label()).not.toBe(first);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);
});
