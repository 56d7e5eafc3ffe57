/**
 * Rendering Vega-Lite specs without a browser or a display.
 *
 * Vega-Lite (declarative grammar) is compiled to Vega, whose headless View renders SVG in plain
 * Node; @resvg/resvg-js (a Rust SVG rasteriser shipped as prebuilt npm binaries, no install-time
 * download) turns that SVG into PNG. The same compiled spec runs in a browser under the vega
 * runtime, which is inlined so that HTML output is self-contained and works offline.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec, type Config } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import { writeFileAtomic, type WriteOptions } from '../io/atomic.js';
import { THEME, FONT } from './theme.js';
import { registerResultFigures } from '../results/extensions.js';

// The results' .plot()/.animate() are drawn by plot, which sits above them: every figure module loads this one,
// so loading any of plot hands the results their figures (read lazily, on the first one asked for).
registerResultFigures(async () => (await import('./result-methods.js')).resultFigures);

/** A Vega-Lite specification, as every vbt plot builder returns it. */
export type PlotSpec = TopLevelSpec;

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function deepMerge<T extends Record<string, unknown>>(base: T, over: Record<string, unknown> | undefined): T {
  if (!over) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObj(v) && isObj(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  return out as T;
}

/** The spec with the vbt theme under its own `config` (the spec's settings win). */
export function withTheme(spec: PlotSpec): PlotSpec {
  if (!isObj(spec)) throw new Error(`plot spec: expected a Vega-Lite object, got ${spec === null ? 'null' : typeof spec}`);
  const s = spec as Record<string, unknown>;
  return { $schema: VEGA_LITE_SCHEMA, ...s, config: deepMerge(THEME as Record<string, unknown>, s.config as Record<string, unknown> | undefined) } as unknown as PlotSpec;
}

/**
 * Vega-Lite → Vega with the theme applied.
 *
 * @example
 * ```ts
 * import { toVega } from 'vbt';
 * const vg = toVega({ data: { values: [{ x: 1, y: 2 }] }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' } } });
 * vg.marks?.length; // ≥ 1
 * ```
 */
export function toVega(spec: PlotSpec): vega.Spec {
  try {
    return compile(withTheme(spec)).spec as vega.Spec;
  } catch (e) {
    throw new Error(`plot spec: Vega-Lite could not compile it: ${(e as Error).message}`);
  }
}

/**
 * Render a spec to an SVG document string (no browser, no canvas needed).
 *
 * @example
 * ```ts
 * import { toSvg } from 'vbt';
 * const svg = await toSvg({ data: { values: [{ t: 0, v: 1 }, { t: 1, v: 2 }] }, mark: 'line',
 *   encoding: { x: { field: 't', type: 'quantitative', title: 'time (ms)' }, y: { field: 'v', type: 'quantitative' } } });
 * svg.startsWith('<svg'); // true
 * ```
 */
export async function toSvg(spec: PlotSpec): Promise<string> {
  // vega tags the data objects it ingests; a copy keeps the caller's spec untouched
  const view = new vega.View(vega.parse(structuredClone(toVega(spec))), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface PngOptions {
  /** Pixel density relative to the SVG size (default 2). */
  scale?: number;
  /** Background colour (default white; PNG viewers show transparency badly). */
  background?: string;
}

/** Rasterise an SVG string to PNG bytes with resvg, using the system's fonts. */
export function svgToPng(svg: string, opts: PngOptions = {}): Uint8Array {
  const scale = opts.scale ?? 2;
  if (!(scale > 0 && scale <= 16)) throw new Error(`toPng: scale=${scale}; expected a number in (0, 16]`);
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: opts.background ?? 'white',
    font: { loadSystemFonts: true, defaultFontFamily: FONT.split(',')[0] },
  });
  return new Uint8Array(r.render().asPng());
}

/**
 * Render a spec to PNG bytes.
 *
 * @example
 * ```ts
 * import { plotTimeSeries } from 'vbt';
 * import { toPng } from 'vbt';
 * const spec = plotTimeSeries({ time: [0, 1, 2], data: [0, 1, 0], variables: ['V'], labels: ['A'] });
 * const png = await toPng(spec, { scale: 1 });
 * png.subarray(1, 4); // 'PNG'
 * ```
 */
export async function toPng(spec: PlotSpec, opts: PngOptions = {}): Promise<Uint8Array> {
  return svgToPng(await toSvg(spec), opts);
}

let vegaRuntime: string | undefined;
/** The browser build of vega (UMD, defines `window.vega`), read once from the installed package. */
export function vegaRuntimeSource(): string {
  if (vegaRuntime === undefined) {
    const entry = createRequire(import.meta.url).resolve('vega');
    vegaRuntime = readFileSync(join(dirname(entry), 'vega.min.js'), 'utf8');
  }
  return vegaRuntime;
}

/** JSON that is safe inside a <script> element (no `</script>`, no HTML comment openers). */
export function scriptJson(x: unknown): string {
  return JSON.stringify(x).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface HtmlOptions {
  /** Page title (default: the first spec's title or "vbt figure"). */
  title?: string;
  /** Prefix of the figure element ids (default "vbt-fig"). */
  idPrefix?: string;
}

function specTitle(spec: PlotSpec): string | undefined {
  const t = (spec as { title?: unknown }).title;
  if (typeof t === 'string') return t;
  if (isObj(t) && typeof t.text === 'string') return t.text;
  return undefined;
}

/**
 * An HTML fragment for one figure: a container plus a script that renders it as interactive SVG
 * (tooltips, zoom where the spec binds scales). Needs `vegaRuntimeSource()` loaded once before it
 * on the page; `toHtml` does that.
 */
export function toHtmlFragment(spec: PlotSpec, id: string): string {
  if (!/^[A-Za-z][\w-]*$/.test(id)) throw new Error(`toHtmlFragment: id '${id}' must start with a letter and contain only letters, digits, _ and -`);
  const vg = toVega(spec);
  return `<figure class="vbt-figure" id="${id}" data-title="${escapeHtml(specTitle(spec) ?? '')}"></figure>
<script>vbtRender(${scriptJson(id)}, ${scriptJson(vg)});</script>`;
}

/** The script every page needs once: the vega runtime and a renderer that records failures. */
export function htmlRuntime(): string {
  return `<script>${vegaRuntimeSource()}</script>
<script>
window.vbtFigures = [];
function vbtRender(id, spec) {
  var el = document.getElementById(id);
  var p = new vega.View(vega.parse(spec), { renderer: 'svg', container: el, hover: true }).runAsync()
    .then(function (v) { el.setAttribute('data-rendered', 'true'); return v; })
    .catch(function (e) { el.setAttribute('data-error', String(e)); console.error('vbt figure ' + id + ': ' + e); });
  window.vbtFigures.push(p);
  return p;
}
</script>`;
}

export const PAGE_STYLE = `body{font-family:${FONT};margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
figure.vbt-figure{margin:16px 0}table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}th{background:#f4f4f4}
code,pre{background:#f6f6f6;font-size:12px}pre{padding:8px;overflow-x:auto}`;

/**
 * A self-contained interactive HTML page (vega inlined, works offline) showing one or more specs.
 *
 * @example
 * ```ts
 * import { plotTimeSeries } from 'vbt';
 * import { writeFileSync } from 'node:fs';
 * import { toHtml } from 'vbt';
 * const specA = plotTimeSeries({ time: [0, 1, 2], data: [0, 1, 0], variables: ['V'], labels: ['A'] });
 * const specB = plotTimeSeries({ time: [0, 1, 2], data: [1, 0, 1], variables: ['W'], labels: ['A'] });
 * writeFileSync('fig.html', toHtml([specA, specB], { title: 'Run 1' }));
 * ```
 */
export function toHtml(specs: PlotSpec | PlotSpec[], opts: HtmlOptions = {}): string {
  const list = Array.isArray(specs) ? specs : [specs];
  if (list.length === 0) throw new Error('toHtml: no specs given; expected one spec or a non-empty array');
  const title = opts.title ?? specTitle(list[0]) ?? 'vbt figure';
  const prefix = opts.idPrefix ?? 'vbt-fig';
  const body = list.map((s, k) => toHtmlFragment(s, `${prefix}-${k}`)).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style>
${htmlRuntime()}
</head><body>
${body}
</body></html>
`;
}

/**
 * Several specs as one figure. Sub-specs may not carry `$schema`/`config`, so those are lifted:
 * the first config found applies to the whole.
 */
export function concatSpecs(specs: PlotSpec[], direction: 'vertical' | 'horizontal' = 'vertical', title?: string): PlotSpec {
  let config: unknown;
  const parts = specs.map((s) => {
    const { $schema: _s, config: c, ...rest } = s as unknown as Record<string, unknown>;
    config ??= c;
    return rest;
  });
  const key = direction === 'vertical' ? 'vconcat' : 'hconcat';
  return { ...(title ? { title } : {}), [key]: parts, ...(config ? { config } : {}) } as unknown as PlotSpec;
}

export type PlotFormat = 'svg' | 'png' | 'html';

/** The output format implied by a file name, or a clear error. */
export function formatFromPath(path: string): PlotFormat {
  const ext = extname(path).toLowerCase().slice(1);
  if (ext === 'svg' || ext === 'png' || ext === 'html') return ext;
  if (ext === 'htm') return 'html';
  throw new Error(`savePlot: cannot tell the format of '${path}' from its extension '.${ext}'; expected .svg, .png or .html`);
}

/**
 * Write a figure, the format chosen from the extension (.svg, .png, .html), atomically.
 *
 * @example
 * ```ts
 * import { plotTimeSeries, savePlot } from 'vbt';
 * const data = { time: [0, 1, 2], data: [0, 1, 0], variables: ['V'], labels: ['A'] };
 * await savePlot(plotTimeSeries(data), 'out/ts.png');
 * ```
 */
export async function savePlot(spec: PlotSpec | PlotSpec[], path: string, opts: PngOptions & HtmlOptions & WriteOptions = {}): Promise<void> {
  const fmt = formatFromPath(path);
  const list = Array.isArray(spec) ? spec : [spec];
  if (fmt === 'html') return writeFileAtomic(path, toHtml(list, opts), opts);
  const one = list.length === 1 ? list[0] : concatSpecs(list, 'vertical');
  if (fmt === 'svg') return writeFileAtomic(path, await toSvg(one), opts);
  writeFileAtomic(path, await toPng(one, opts), opts);
}

export type { Config };
