/**
 * One self-contained HTML page describing a run: what was simulated (model equations, parameters,
 * network, integrator), the figures, and the key numbers. Vega is inlined, so the page works
 * offline and figures stay interactive (tooltips, zoom).
 */
import type { SimulationResult } from '../results/simulation.js';
import { getModel } from '../models/catalogue.js';
import { describeProvenance } from '../provenance/index.js';
import type { ModelSpec } from '../models/spec.js';
import { toHtmlFragment, htmlRuntime, escapeHtml, PAGE_STYLE, type PlotSpec } from '../plot/render.js';
import { timeSeriesFromResult, tsShape, type TimeSeriesData } from '../plot/data.js';
import { plotTimeSeries, plotChannels, plotHeatmap } from '../plot/timeseries.js';
import { plotPowerSpectrum, samplingRate, defaultSegment } from '../plot/spectrum.js';
import { welch, dominantFrequency, formatFrequency, frequencyResolution } from '../analysis/spectra.js';
import { plotFc } from '../plot/analysis.js';
import { phasePlane, plotPhasePlane } from '../plot/phaseplane.js';
import { plotNetworkOverview, plotDegreeDistribution, type NetworkData } from '../plot/network.js';
import { functionalConnectivity, upperTriangle } from '../analysis/fc.js';
import { surfaceRegionTimeSeries, surfaceReportFigures } from './surface.js';

export interface ReportFigure {
  title: string;
  spec: PlotSpec;
  /** Mark types the rendered SVG must contain (checked by the browser test). */
  marks: string[];
  caption?: string;
  /** Markup drawn instead of the spec (the surface viewer's iframe). */
  html?: string;
}

export interface ReportOptions {
  title?: string;
  /** The network the run used (draws the network section's figures). */
  connectivity?: NetworkData;
  /** Where the result came from, shown in the header. */
  source?: string;
  /** Monitor to show (default: the first). */
  monitor?: string | number;
  /** Extra figures appended after the standard ones. */
  extraFigures?: ReportFigure[];
  /** Skip the phase plane (it evaluates the model on a grid; default: drawn for 2-D single-mode models). */
  phasePlane?: boolean;
}

export interface KeyNumber { name: string; value: string; note?: string }

function fmt(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  return Number(x.toPrecision(digits)).toString();
}

function tryModel(name: string): ModelSpec | undefined {
  try { return getModel(name); } catch { return undefined; }
}

/** The first variable as a [T, N] series for the analysis functions. */
function firstVariable(ts: TimeSeriesData): { data: Float64Array; t: number; n: number } {
  const { T, V, N } = tsShape(ts);
  const data = new Float64Array(T * N);
  for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) data[t * N + n] = ts.data[t * V * N + n];
  return { data, t: T, n: N };
}

/**
 * The numbers a reader checks first: run size and speed, per-variable range, mean and SD over
 * nodes and time, dominant frequency, mean FC.
 */
export function keyNumbers(res: SimulationResult, ts: TimeSeriesData): KeyNumber[] {
  const i = res.info;
  const { T, V, N } = tsShape(ts);
  const out: KeyNumber[] = [
    { name: 'simulated time', value: `${fmt(i.nSteps * i.dt, 8)} ms`, note: i.transientSteps ? `after a ${fmt(i.transientSteps * i.dt, 6)} ms transient` : undefined },
    { name: 'integration steps', value: String(i.nSteps + i.transientSteps) },
    { name: 'nodes', value: String(i.nodeLabels.length) },
    { name: 'parameter sets (batch)', value: String(i.batchSize) },
    { name: 'wall time', value: `${fmt(i.wallSeconds, 3)} s` },
    { name: 'samples shown', value: `${T} (${ts.title ?? ''})` },
  ];
  for (let v = 0; v < V; v++) {
    let lo = Infinity, hi = -Infinity, s = 0, s2 = 0;
    for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) { const x = ts.data[(t * V + v) * N + n]; lo = Math.min(lo, x); hi = Math.max(hi, x); s += x; s2 += x * x; }
    const m = s / (T * N), sd = Math.sqrt(Math.max(0, s2 / (T * N) - m * m));
    const u = ts.units?.[ts.variables[v]] ?? 'a.u.';
    out.push({ name: `${ts.variables[v]}: range`, value: `[${fmt(lo)}, ${fmt(hi)}] ${u}` });
    out.push({ name: `${ts.variables[v]}: mean ± SD`, value: `${fmt(m)} ± ${fmt(sd)} ${u}` });
  }
  if (T >= 16) {
    try {
      const fs = samplingRate(ts);
      const sp = welch(firstVariable(ts), fs, { nperseg: defaultSegment(T) });
      const peaks = Array.from(dominantFrequency(sp)).sort((a, b) => a - b);
      if (peaks.length) out.push({ name: `${ts.variables[0]}: dominant frequency (median over nodes)`, value: formatFrequency(peaks[Math.floor(peaks.length / 2)], frequencyResolution(sp)), note: `Welch, ${defaultSegment(T)}-sample segments (same as vbt spectrum)` });
    } catch { /* too short for a spectrum: leave the number out */ }
  }
  if (N >= 2 && T >= 3) {
    const u = upperTriangle(functionalConnectivity(firstVariable(ts)));
    out.push({ name: `${ts.variables[0]}: mean FC (off-diagonal Pearson r)`, value: fmt(u.reduce((a, b) => a + b, 0) / u.length, 3) });
  }
  return out;
}

/** The standard figures for a run, each with the marks its SVG must show. */
export function reportFigures(res: SimulationResult, opts: ReportOptions = {}): ReportFigure[] {
  if (res.surface) return [...surfaceReportFigures(res, { monitor: opts.monitor }), ...(opts.extraFigures ?? [])];
  const ts = timeSeriesFromResult(res, { monitor: opts.monitor });
  const { T, N } = tsShape(ts);
  const figs: ReportFigure[] = [
    { title: 'Time series', spec: plotTimeSeries(ts), marks: ['line'], caption: 'Each recorded variable over time for up to 8 nodes spread over the network (drag to pan, wheel to zoom).' },
    { title: 'All nodes over time', spec: plotHeatmap(ts), marks: ['rect'], caption: 'First recorded variable of every node, in connectivity order.' },
  ];
  if (N > 1) figs.push({ title: 'Stacked channels', spec: plotChannels(ts, { zscore: true, nodes: N > 24 ? [...Array(24).keys()].map((k) => Math.round((k * (N - 1)) / 23)) : undefined }), marks: ['line'], caption: 'z-scored traces, one row per node, as on an EEG viewer.' });
  if (T >= 16) figs.push({ title: 'Power spectrum', spec: plotPowerSpectrum(ts), marks: ['line', 'rect'], caption: "Welch power spectral density (Hann windows, 50 % overlap) with the EEG bands shaded." });
  if (N >= 2 && T >= 3) {
    const fc = functionalConnectivity(firstVariable(ts));
    figs.push({ title: 'Functional connectivity', spec: plotFc(fc, { labels: ts.labels, title: `Functional connectivity of ${ts.variables[0]}` }), marks: ['rect'], caption: 'Pearson correlation between nodes over the recorded time (diagonal set to 0).' });
  }
  const model = tryModel(res.info.model);
  if ((opts.phasePlane ?? true) && model && Object.keys(model.state_variables).length === 2 && (model.modes ?? 1) === 1) {
    const params: Record<string, number> = {};
    for (const [k, v] of Object.entries(res.info.parameters ?? {})) if (typeof v === 'number' && k in model.parameters) params[k] = v;
    figs.push({ title: 'Phase plane', spec: plotPhasePlane(phasePlane(model, { parameters: params, nullclineGrid: 121 })), marks: ['symbol', 'rule'], caption: 'Vector field of the uncoupled node (c = 0) with both nullclines, at the run\'s global parameter values.' });
  }
  if (opts.connectivity) {
    figs.push({ title: 'Network overview', spec: plotNetworkOverview(opts.connectivity), marks: ['rect', 'symbol'], caption: 'Weights (log colour), tract lengths and the strongest connections drawn at the region centres.' });
    figs.push({ title: 'Degree and strength', spec: plotDegreeDistribution(opts.connectivity), marks: ['rect'] });
  }
  return [...figs, ...(opts.extraFigures ?? [])];
}

function table(rows: string[][], head: string[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function modelSection(res: SimulationResult): string {
  const model = tryModel(res.info.model);
  if (!model) return `<p>Model <code>${escapeHtml(res.info.model)}</code> is not in the catalogue; its equations are not shown.</p>`;
  const eqs = Object.entries(model.state_variables).map(([k, sv]) => `d${k}/dt = ${sv.equation}`);
  const aux = Object.entries(model.auxiliaries ?? {}).map(([k, e]) => `${k} = ${e}`);
  const used = res.info.parameters ?? {};
  const params = Object.entries(model.parameters).map(([k, p]) => {
    const v = used[k] ?? p.default;
    const shown = Array.isArray(v) ? (v.length > 6 ? `${v.slice(0, 6).map((x) => fmt(x)).join(', ')}, … (${v.length} values)` : v.map((x) => fmt(x)).join(', ')) : fmt(v as number, 6);
    const changed = k in used && JSON.stringify(used[k]) !== JSON.stringify(p.default);
    return [`<code>${escapeHtml(k)}</code>`, escapeHtml(shown) + (changed ? ' <b>(changed from default)</b>' : ''), escapeHtml(p.unit ?? ''), escapeHtml(p.description ?? '')];
  });
  return `<p><b>${escapeHtml(model.label ?? model.name)}</b> (<code>${escapeHtml(model.name)}</code>). ${escapeHtml(model.description ?? '')}</p>
<h3>Equations</h3>
<pre class="equations">${escapeHtml([...(aux.length ? [...aux, ''] : []), ...eqs].join('\n'))}</pre>
<p>Coupling variables: ${model.cvar.map((c, k) => `<code>${escapeHtml(c)}</code> (c_${k})`).join(', ')}; variables of interest: ${model.variables_of_interest.map((v) => `<code>${escapeHtml(String(v))}</code>`).join(', ')}.</p>
<h3>Parameters</h3>
${table(params, ['parameter', 'value', 'unit', 'description'])}`;
}

/**
 * Build the report page.
 *
 * @example
 * ```ts
 * import { simulate, syntheticConnectome } from 'vbt';
 * import { buildReport, writeFileAtomic } from 'vbt';
 * const conn = syntheticConnectome({ nodes: 4 });
 * const res = await simulate({ model: 'Generic2dOscillator', connectivity: conn, integrator: { dt: 0.1 }, duration: 50, monitors: [{ name: 'TemporalAverage', period: 1 }] });
 * writeFileAtomic('report.html', buildReport(res, { connectivity: conn, source: 'run.json' }));
 * ```
 */
export function buildReport(res: SimulationResult, opts: ReportOptions = {}): string {
  const i = res.info;
  const title = opts.title ?? `vbt report — ${i.model} on ${i.nodeLabels.length} nodes`;
  const ts = res.surface ? surfaceRegionTimeSeries(res, opts.monitor) : timeSeriesFromResult(res, { monitor: opts.monitor });
  const figs = reportFigures(res, opts);
  const key = keyNumbers(res, ts);
  const runRows = [
    ['model', `<code>${escapeHtml(i.model)}</code>`],
    ['coupling', `<code>${escapeHtml(i.coupling)}</code>`],
    ['integrator', escapeHtml(i.integrator)],
    ['dt', `${fmt(i.dt, 8)} ms`],
    ['monitors', res.monitors.map((m) => `${escapeHtml(m.name)} (every ${fmt(m.period, 6)} ms, ${m.shape[1]} samples, variables ${escapeHtml(m.variables.join(', '))})`).join('<br>')],
    ['delay horizon', `${i.horizon} steps`],
  ];
  const conn = opts.connectivity;
  const netRows = [
    ['connectivity', escapeHtml(i.connectivity)],
    ['nodes', String(i.nodeLabels.length)],
    ...(conn ? [
      ['connections (non-zero weights)', String(Array.from(conn.weights).filter((w) => w !== 0).length)],
      ['labels', escapeHtml(conn.labels.slice(0, 12).join(', ') + (conn.n > 12 ? ', …' : ''))],
    ] : [['labels', escapeHtml(i.nodeLabels.slice(0, 12).join(', ') + (i.nodeLabels.length > 12 ? ', …' : ''))]]),
  ];
  const figureHtml = figs.map((f, k) => `<section class="figure-block">
<h3>${escapeHtml(f.title)}</h3>
${f.html ?? toHtmlFragment(f.spec, `fig-${k}`).replace('<figure class="vbt-figure"', `<figure class="vbt-figure" data-marks="${escapeHtml(f.marks.join(' '))}"`)}
${f.caption ? `<p class="caption">${escapeHtml(f.caption)}</p>` : ''}
</section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}
.caption{color:#555;font-size:13px;margin-top:-6px}figure.vbt-figure{overflow-x:auto}.meta{color:#666;font-size:13px}</style>
${htmlRuntime()}
</head><body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Generated by vbt on ${escapeHtml(new Date().toISOString())}${opts.source ? ` from <code>${escapeHtml(opts.source)}</code>` : ''}.</p>
<h2 id="key-numbers">Key numbers</h2>
${table(key.map((k) => [escapeHtml(k.name), escapeHtml(k.value), escapeHtml(k.note ?? '')]), ['quantity', 'value', 'note'])}
<h2 id="model">Model</h2>
${modelSection(res)}
<h2 id="network">Network</h2>
${table(netRows, ['', ''])}
${conn ? '' : '<p class="meta">Pass the connectivity (<code>vbt report --connectivity FILE.zip</code>) to draw the network figures.</p>'}
<h2 id="integration">Integration</h2>
${table(runRows, ['', ''])}
<h2 id="provenance">Provenance</h2>
${res.info.provenance ? `<ul>${describeProvenance(res.info.provenance).map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` : '<p class="meta">This result carries no provenance (written before vbt stored it); it cannot be rerun from the file.</p>'}
${(res.info.warnings ?? []).map((w) => `<p class="meta"><b>Warning:</b> ${escapeHtml(w)}</p>`).join('\n')}
<h2 id="figures">Figures</h2>
${figureHtml}
</body></html>
`;
}
