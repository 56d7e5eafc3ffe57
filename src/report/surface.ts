/**
 * Report figures of a surface run: the four static views, the interactive viewer (embedded as an
 * iframe page) and the region averages of the vertex monitor over time. Node-by-node figures of
 * the region report (heatmap, all-pairs FC) would be 16k-wide, so they are not drawn for surfaces.
 */
import type { SimulationResult } from '../results/simulation.js';
import type { ReportFigure } from './report.js';
import { plotSurfaceResult, surfaceSeries, surfaceViewerFromResult } from '../plot/surface-result.js';
import { monitorTimeSeries, type TimeSeriesData } from '../plot/data.js';
import { plotTimeSeries } from '../plot/timeseries.js';
import { escapeHtml } from '../plot/render.js';
import { regionAverage } from '../surface/regions.js';

/** The vertex monitor averaged over regions, as the report's time series (key numbers, traces). */
export function surfaceRegionTimeSeries(res: SimulationResult, monitor?: string | number): TimeSeriesData {
  const s = surfaceSeries(res, { monitor });
  const g = res.surface!;
  const m = res.monitors.find((x) => x.name === s.monitor)!;
  const V = g.regionMapping.length;
  // nodes beyond the vertices are the unmapped regions, in order
  const regmap = Int32Array.from({ length: m.shape[3] }, (_, n) => (n < V ? g.regionMapping[n] : -1));
  const labels = g.regionLabels ?? [];
  const used = new Set(g.regionMapping);
  let next = 0;
  for (let n = V; n < regmap.length; n++) { while (used.has(next)) next++; regmap[n] = next++; }
  const ra = regionAverage(m, regmap);
  const R = ra.shape[3];
  return monitorTimeSeries(ra, Array.from({ length: R }, (_, r) => labels[r] ?? `region ${r}`), { title: `${res.info.model} · ${m.name} · region averages` });
}

export function surfaceReportFigures(res: SimulationResult, opts: { monitor?: string | number } = {}): ReportFigure[] {
  const s = surfaceSeries(res, { monitor: opts.monitor });
  const page = surfaceViewerFromResult(res, { monitor: opts.monitor, maxFrames: 200 });
  const ts = surfaceRegionTimeSeries(res, opts.monitor);
  return [
    { title: 'Activity on the cortex', spec: plotSurfaceResult(res, { monitor: opts.monitor }), marks: ['shape'], caption: `Lateral and medial views of both hemispheres at the last sample of ${s.monitor}, ${s.variable}.` },
    {
      title: 'Interactive cortex', spec: { data: { values: [] }, mark: 'point' } as unknown as ReportFigure['spec'], marks: [],
      html: `<iframe class="vbt-surface-viewer" title="cortex viewer" style="width:100%;height:760px;border:0" srcdoc="${escapeHtml(page)}"></iframe>`,
      caption: 'Drag to rotate, wheel to zoom, slider or play for time (WebGL).',
    },
    { title: 'Region averages over time', spec: plotTimeSeries(ts), marks: ['line'], caption: 'The vertex monitor averaged over each region through the region mapping (TVB SpatialAverage default).' },
  ];
}
