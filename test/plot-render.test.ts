import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toSvg, toPng, toHtml, savePlot, formatFromPath, withTheme, concatSpecs, type PlotSpec } from '../src/plot/render.js';
import { OKABE_ITO } from '../src/plot/theme.js';
import { countMarks, axisTitles, figureTitles, pngStats } from './plot-helpers.js';

const spec: PlotSpec = {
  title: 'Three points',
  data: { values: [{ t: 0, v: 1 }, { t: 1, v: 3 }, { t: 2, v: 2 }] },
  mark: 'point',
  encoding: {
    x: { field: 't', type: 'quantitative', title: 'time (ms)' },
    y: { field: 'v', type: 'quantitative', title: 'V (mV)' },
  },
};

describe('render', () => {
  it('SVG has the title, both axis titles with units and one symbol per datum', async () => {
    const svg = await toSvg(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(figureTitles(svg)).toEqual(['Three points']);
    expect(axisTitles(svg).sort()).toEqual(['V (mV)', 'time (ms)']);
    expect(countMarks(svg, 'symbol')).toBe(3);
  });

  it('theme gives the colour-blind-safe palette and the spec can override it', () => {
    const t = withTheme(spec) as { config: { range: { category: string[] }; font: string } };
    expect(t.config.range.category).toEqual([...OKABE_ITO]);
    const o = withTheme({ ...spec, config: { font: 'serif' } } as PlotSpec) as { config: { range: { category: string[] }; font: string } };
    expect(o.config.font).toBe('serif');
    expect(o.config.range.category[0]).toBe(OKABE_ITO[0]);
  });

  it('PNG decodes, has the scaled size and is not blank', async () => {
    const svg = await toSvg(spec);
    const w = Number(/width="(\d+)"/.exec(svg)![1]);
    const png = await toPng(spec, { scale: 2 });
    const st = pngStats(png);
    expect(st.width).toBe(2 * w);
    expect(st.colours).toBeGreaterThan(5);
    expect(st.nonWhite).toBeGreaterThan(200);
  });

  it('HTML is self-contained (vega inlined, no external scripts) and embeds the compiled spec', () => {
    const html = toHtml([spec, { ...spec, title: 'again </script><b>' } as PlotSpec], { title: 'page' });
    expect(html).toContain('<!DOCTYPE html>');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/https?:\/\/(?!vega\.github\.io\/schema|www\.w3\.org)[^"'\s]*\.js/);
    expect((html.match(/vbtRender\(/g) ?? []).length).toBe(3); // the definition + two calls
    expect(html).toContain('id="vbt-fig-1"');
    // the injected title cannot close the script element
    expect(html.split('</script>').length - 1).toBe(2 + 2);
  });

  it('savePlot picks the format from the extension and writes atomically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vbt-plot-'));
    for (const ext of ['svg', 'png', 'html']) await savePlot(spec, join(dir, `f.${ext}`));
    expect(readFileSync(join(dir, 'f.svg'), 'utf8').startsWith('<svg')).toBe(true);
    expect(pngStats(readFileSync(join(dir, 'f.png'))).nonWhite).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'f.html'), 'utf8')).toContain('vbtRender');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    await expect(savePlot(spec, join(dir, 'f.jpg'))).rejects.toThrow(/\.jpg.*expected \.svg, \.png or \.html/);
    expect(existsSync(join(dir, 'f.jpg'))).toBe(false);
    expect(() => formatFromPath('x')).toThrow(/extension/);
  });

  it('concatenated specs render as one SVG with both titles', async () => {
    const svg = await toSvg(concatSpecs([withTheme(spec), { ...spec, title: 'Second' } as PlotSpec], 'horizontal'));
    expect(figureTitles(svg).sort()).toEqual(['Second', 'Three points']);
    expect(countMarks(svg, 'symbol')).toBe(6);
  });

  it('an invalid spec fails with a message naming Vega-Lite', async () => {
    await expect(toSvg({ mark: 'nonsense' } as unknown as PlotSpec)).rejects.toThrow(/Vega-Lite|plot spec/);
  });
});
