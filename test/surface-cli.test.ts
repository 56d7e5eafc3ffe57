/**
 * Surface runs from the command line and their figures: `vbt simulate --surface …` writes a result
 * that reopens with its cortex, `vbt info` describes it, `vbt plot --type surface` draws the four
 * static views (SVG/PNG) and the WebGL viewer (HTML), which is driven in headless Chromium
 * (playwright-core): it renders, the time slider changes the colours, dragging rotates the brain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { vbt } from './cli-helpers';
import { pngStats } from './plot-helpers';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared';

const DATA = sharedPath('data', 'tvb');
const HAVE = HAVE_SHARED && existsSync(join(DATA, 'cortex_16384.zip'));
const why = HAVE ? '' : ` (skipped: ${SKIP_REASON})`;
const CANDIDATES = [process.env.VBT_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'].filter((p): p is string => !!p);
const CHROMIUM = CANDIDATES.find((p) => existsSync(p));

describe.skipIf(!HAVE)(`vbt simulate --surface and its figures${why}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vbt-surface-cli-'));
  const nc = join(dir, 'run.nc');
  let browser: Browser | undefined;
  afterAll(async () => { await browser?.close(); rmSync(dir, { recursive: true, force: true }); });

  beforeAll(async () => {
    const out = await vbt('simulate', '-m', 'Generic2dOscillator', '-c', join(DATA, 'connectivity_76.zip'), '-k', 'a=0.1',
      '--surface', join(DATA, 'cortex_16384.zip'), '--region-mapping', join(DATA, 'regionMapping_16k_76.txt'),
      '--local-connectivity', join(DATA, 'local_connectivity_16384.mat'), '--local-coupling', '0.5',
      '--dt', '0.1', '-d', '20', '--monitor', 'TemporalAverage:1', '--monitor', 'SpatialAverage:1', '--out', nc, '-q');
    expect(out).toMatch(/result written to/);
  }, 300_000);

  it('the result reopens with its cortex; vbt info says so', async () => {
    const info = await vbt('info', nc);
    expect(info).toMatch(/cortical surface: 16384 vertices, 32760 triangles, region mapping onto 76 regions/);
    expect(info).toMatch(/monitor TemporalAverage \(period 1 ms\): shape \[1, 20, 1, 16384, 1\]/);
    expect(info).toMatch(/monitor SpatialAverage \(period 1 ms\): shape \[1, 20, 1, 76, 1\]/);
  }, 60_000);

  it('static figure: four views as SVG (thousands of triangles) and PNG', async () => {
    const svg = join(dir, 'cortex.svg'), png = join(dir, 'cortex.png');
    await vbt('plot', nc, '--type', 'surface', '--out', svg, '-c', join(DATA, 'connectivity_76.zip'));
    const text = readFileSync(svg, 'utf8');
    for (const v of ['left lateral', 'left medial', 'right lateral', 'right medial']) expect(text).toContain(v);
    expect((text.match(/<path/g) ?? []).length).toBeGreaterThan(30000);
    await vbt('plot', nc, '--type', 'surface', '--out', png, '--time', '10');
    const st = pngStats(readFileSync(png));
    expect(st.colours).toBeGreaterThan(200);
    expect(st.nonWhite).toBeGreaterThan(0.3 * st.width * st.height);
  }, 180_000);

  it('a region-level monitor is refused for the surface figure', async () => {
    await expect(vbt('plot', nc, '--type', 'surface', '--monitor', 'SpatialAverage', '--out', join(dir, 'x.png'))).rejects.toThrow(/SpatialAverage has 76 nodes, fewer than the 16384 vertices/);
  });

  it.skipIf(!CHROMIUM)('vbt report on a surface run: static views render and the embedded viewer draws (headless Chromium)', async () => {
    const html = join(dir, 'report.html');
    await vbt('report', nc, '--out', html);
    const text = readFileSync(html, 'utf8');
    for (const t of ['Activity on the cortex', 'Interactive cortex', 'Region averages over time']) expect(text).toContain(t);
    browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--use-gl=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'] });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    await page.evaluate(() => Promise.all((window as unknown as { vbtFigures: Promise<unknown>[] }).vbtFigures).then(() => true));
    expect(await page.$$eval('figure.vbt-figure svg path', (els) => els.length)).toBeGreaterThan(30000);
    const frame = page.frameLocator('iframe.vbt-surface-viewer');
    await expect.poll(async () => frame.locator('#time').textContent(), { timeout: 60_000 }).toMatch(/\(1\/20\)/);
    expect(errors).toEqual([]);
  }, 180_000);

  it.skipIf(!CHROMIUM)('the WebGL viewer renders, its slider changes the frame, dragging rotates (headless Chromium)', async () => {
    const html = join(dir, 'viewer.html');
    await vbt('plot', nc, '--type', 'surface', '--out', html);
    browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--use-gl=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'] });
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    await page.waitForFunction(() => (window as unknown as { vbtSurface?: { ready?: boolean; error?: string } }).vbtSurface?.ready || (window as unknown as { vbtSurface?: { error?: string } }).vbtSurface?.error, undefined, { timeout: 60_000 });
    expect(await page.evaluate(() => (window as unknown as { vbtSurface: { error?: string } }).vbtSurface.error)).toBeUndefined();
    expect(errors).toEqual([]);
    const canvas = page.locator('#vbt-surface');
    const shot0 = pngStats(await canvas.screenshot());
    expect(shot0.colours).toBeGreaterThan(100); // a lit, coloured mesh, not a blank canvas
    const before = await canvas.screenshot();
    await page.locator('#frame').fill('15');
    await page.locator('#frame').dispatchEvent('input');
    expect(await page.evaluate(() => (window as unknown as { vbtSurface: { frame: number } }).vbtSurface.frame)).toBe(15);
    expect(await page.locator('#time').textContent()).toMatch(/t = \d+\.50 ms \(16\/20\)/);
    const afterFrame = await canvas.screenshot();
    expect(Buffer.compare(before, afterFrame)).not.toBe(0);
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 150, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const rotated = await canvas.screenshot();
    expect(Buffer.compare(afterFrame, rotated)).not.toBe(0);
    expect(await page.evaluate(() => (window as unknown as { vbtSurface: { yaw: number } }).vbtSurface.yaw)).not.toBeCloseTo(-1.2, 3);
  }, 180_000);
});
