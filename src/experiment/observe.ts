/**
 * Derived observations of an experiment, computed from monitor outputs with the float64 analysis
 * functions: fc (Pearson, zero diagonal), welch (scipy's defaults), peak_frequency, mean,
 * fc_corr / fc_rmse against a target FC (full matrices, tvboptim's metrics) and the Kuramoto
 * order parameter. The same code serves the integration and every exploration point.
 */
import { functionalConnectivity, type SquareMatrix } from '../analysis/fc.js';
import { monitorSeries } from '../analysis/series.js';
import { welch, dominantFrequency, type Spectrum } from '../analysis/spectra.js';
import { rmse } from '../analysis/losses.js';
import { fcCorr } from '../../algorithms/data.js';
import { kuramotoOrder } from '../analysis/summary.js';
import { LabeledArray } from '../results/labeled.js';
import type { MonitorOutput } from '../results/simulation.js';
import type { DerivedObsPlan, MonitorObsPlan, ObsPlan } from './resolve.js';
import type { Observable, PointRun } from '../../algorithms/explore.js';

export type Outputs = Record<string, LabeledArray>;

/** What derived observations need from a run. */
export interface ObservationContext {
  /** A monitor observation's output (batch of one). */
  monitor(name: string): MonitorOutput;
  /** A data observation's matrix. */
  data(name: string): SquareMatrix;
  /** Node labels (regions; sensor monitors' outputs are labelled by their sensors). */
  labels: string[];
  /** Labels of a monitor observation's space axis when it is not the regions (EEG/MEG sensors). */
  spaceLabels?: (monitor: string) => string[] | undefined;
}

function variableIndex(mon: MonitorOutput, v: unknown, where: string): number {
  if (v === undefined) return 0;
  const k = typeof v === 'number' ? v : mon.variables.indexOf(String(v));
  if (!(k >= 0 && k < mon.variables.length)) throw new Error(`${where}: variable '${String(v)}' is not recorded by monitor ${mon.name} (recorded: ${mon.variables.join(', ')})`);
  return k;
}

const scalar = (x: number, attrs: Record<string, string> = {}) => new LabeledArray(Float64Array.of(x), [], {}, attrs, []);
const matrix = (m: SquareMatrix, labels: string[]) => new LabeledArray(m.data, ['node_i', 'node_j'], { node_i: labels, node_j: labels }, {}, [m.n, m.n]);

function spectrumOf(mon: MonitorOutput, args: Record<string, unknown>, where: string): Spectrum {
  const s = monitorSeries(mon, { v: variableIndex(mon, args.variable, where) });
  const skip = Number(args.skip ?? 0);
  const t = s.t - skip;
  if (t < 4) throw new Error(`${where}: only ${t} samples after skipping ${skip}`);
  const x = { data: s.data.subarray(skip * s.n), t, n: s.n };
  return welch(x, 1000 / mon.period, { nperseg: Math.min(t, Number(args.nperseg ?? 256)) });
}

/** Evaluate every derived observation in order; earlier outputs feed later ones. */
export function evaluateObservations(plans: ObsPlan[], ctx: ObservationContext): Record<string, Outputs> {
  const out: Record<string, Outputs> = {};
  const fcOf = new Map<string, SquareMatrix>();
  const targetFc = (p: DerivedObsPlan): SquareMatrix => {
    const t = p.target!;
    return fcOf.get(t) ?? ctx.data(t);
  };
  for (const p of plans) {
    if (p.kind !== 'derived') continue;
    const where = `observation '${p.name}'`;
    const a = p.def.arguments ?? {};
    const src = plans.find((q) => q.name === p.def.source)!;
    const mon = src.kind === 'monitor' ? ctx.monitor(src.name) : undefined;
    const root = src.kind === 'monitor' ? src : plans.find((q) => q.name === (src as DerivedObsPlan).def?.source);
    const labels = (root && root.kind === 'monitor' && ctx.spaceLabels?.(root.name)) || ctx.labels;
    switch (p.def.function) {
      case 'fc': {
        const fc = functionalConnectivity(monitorSeries(mon!, { v: variableIndex(mon!, a.variable, where) }), { skip: Number(a.skip ?? 0) });
        fcOf.set(p.name, fc);
        out[p.name] = { data: matrix(fc, labels) };
        break;
      }
      case 'welch': {
        const sp = spectrumOf(mon!, a, where);
        out[p.name] = { data: new LabeledArray(sp.power, ['node', 'frequency'], { node: labels, frequency: Array.from(sp.freqs) }, { units: 'power spectral density' }, [sp.n, sp.freqs.length]) };
        break;
      }
      case 'peak_frequency': {
        let f: Float64Array;
        const band = Array.isArray(a.band) && a.band.length === 2 ? (a.band as [number, number]) : undefined;
        if (mon) f = dominantFrequency(spectrumOf(mon, a, where), band);
        else {
          const w = out[p.def.source].data;
          f = dominantFrequency({ freqs: Float64Array.from(w.coords.frequency as number[]), power: w.data, n: w.shape[0] }, band);
        }
        out[p.name] = { data: new LabeledArray(f, ['node'], { node: labels }, { units: 'Hz' }, [f.length]), value: scalar(f.reduce((x, y) => x + y, 0) / f.length, { units: 'Hz' }) };
        break;
      }
      case 'mean': {
        const s = monitorSeries(mon!, { v: variableIndex(mon!, a.variable, where) });
        const skip = Number(a.skip ?? 0);
        const m = new Float64Array(s.n);
        for (let t = skip; t < s.t; t++) for (let i = 0; i < s.n; i++) m[i] += s.data[t * s.n + i] / (s.t - skip);
        out[p.name] = { data: new LabeledArray(m, ['node'], { node: labels }, {}, [s.n]), value: scalar(m.reduce((x, y) => x + y, 0) / s.n) };
        break;
      }
      case 'fc_corr':
      case 'fc_rmse': {
        const sim = fcOf.get(p.def.source)!;
        const tgt = targetFc(p);
        if (tgt.n !== sim.n) throw new Error(`${where}: the simulated FC is ${sim.n}×${sim.n}, the target ${tgt.n}×${tgt.n}`);
        out[p.name] = { value: scalar(p.def.function === 'fc_corr' ? fcCorr(sim, tgt) : rmse(sim, tgt)) };
        break;
      }
      case 'kuramoto': {
        const s = monitorSeries(mon!, { v: variableIndex(mon!, a.variable, where) });
        const skip = Number(a.skip ?? 0);
        // the variable is a phase (Kuramoto model) with phases: 1, else its Hilbert phase
        const R = kuramotoOrder(s, { skip, phases: Number(a.phases ?? 0) === 1 });
        const time = Array.from(mon!.time.subarray(skip));
        out[p.name] = { data: new LabeledArray(R, ['time'], { time }, {}, [R.length]), value: scalar(R.reduce((x, y) => x + y, 0) / R.length) };
        break;
      }
    }
  }
  return out;
}

/**
 * An exploration's observables from the experiment's observations: `name` is an observation (its
 * scalar `value`) or `observation.output`; each point's monitors feed every derived observation
 * once, whichever observable asks first.
 */
export function pointObservables(plans: ObsPlan[], names: string[], ctx: Omit<ObservationContext, 'monitor'>): Record<string, Observable> {
  const monitorIndex = (name: string) => (plans.find((o) => o.name === name) as MonitorObsPlan).index;
  const cache = new WeakMap<PointRun, Record<string, Outputs>>();
  const outsOf = (r: PointRun) => {
    let o = cache.get(r);
    if (!o) {
      o = evaluateObservations(plans, { ...ctx, monitor: (name) => r.monitor(monitorIndex(name)) });
      cache.set(r, o);
    }
    return o;
  };
  return Object.fromEntries(names.map((name) => {
    const [on, out = 'value'] = name.split('.');
    return [name, (r: PointRun) => outsOf(r)[on][out].data[0]];
  }));
}
