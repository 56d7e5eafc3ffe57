/**
 * Experiment explorations on a queue (`execution: {queue: redis://…}`): the exploration's
 * observables are the experiment's observations, which a worker on another machine must evaluate
 * exactly as the runner does. They travel as data — the observation plans, the observable names,
 * the data matrices they compare against, the labels — and become the same functions
 * (`pointObservables`) on the other side. The kind is registered with the sweeps by every process
 * that evaluates experiment sweeps (the runner, `vbt worker`).
 */
import type { SquareMatrix } from '../analysis/fc.js';
import { registerObservableKind, type RegisteredObservableSpec } from '../../algorithms/distributed/sweep.js';
import { pointObservables } from './observe.js';
import type { ObsPlan } from './resolve.js';

export const EXPERIMENT_OBSERVABLES = 'experiment';

export interface ExperimentObservablesSpec extends RegisteredObservableSpec {
  kind: typeof EXPERIMENT_OBSERVABLES;
  plans: ObsPlan[];
  names: string[];
  /** Data matrices the derived observations compare against, by name. */
  data: Record<string, { n: number; data: number[] }>;
  labels: string[];
  spaceLabels: Record<string, string[]>;
}

/** The observables of an exploration as data; `dataOf` loads the matrices its observations need. */
export function experimentObservablesSpec(o: {
  plans: ObsPlan[]; names: string[]; dataOf: (name: string) => SquareMatrix; labels: string[]; spaceLabels: (monitor: string) => string[] | undefined;
}): ExperimentObservablesSpec {
  const derived = new Set(o.plans.filter((p) => p.kind === 'derived').map((p) => p.name));
  const needed = new Set<string>(o.plans.filter((p) => p.kind === 'data').map((p) => p.name));
  for (const p of o.plans) if (p.kind === 'derived' && p.target !== undefined && !derived.has(p.target)) needed.add(p.target);
  const data = Object.fromEntries([...needed].map((name) => { const m = o.dataOf(name); return [name, { n: m.n, data: Array.from(m.data) }]; }));
  const spaceLabels: Record<string, string[]> = {};
  for (const p of o.plans) if (p.kind === 'monitor') { const l = o.spaceLabels(p.name); if (l) spaceLabels[p.name] = l; }
  return { kind: EXPERIMENT_OBSERVABLES, plans: o.plans, names: o.names, data, labels: o.labels, spaceLabels };
}

function build(spec: RegisteredObservableSpec) {
  const s = spec as ExperimentObservablesSpec;
  if (!Array.isArray(s.plans) || !Array.isArray(s.names) || !Array.isArray(s.labels) || typeof s.data !== 'object') {
    throw new Error(`sweep observables: an '${EXPERIMENT_OBSERVABLES}' spec needs plans, names, data and labels`);
  }
  const data = (name: string): SquareMatrix => {
    const m = s.data[name];
    if (!m) throw new Error(`sweep observables: no data observation '${name}' (carried: ${Object.keys(s.data).join(', ') || 'none'})`);
    return { n: m.n, data: Float64Array.from(m.data) };
  };
  return pointObservables(s.plans, s.names, { data, labels: s.labels, spaceLabels: (m) => s.spaceLabels?.[m] });
}

/** Let sweeps of this process evaluate experiment observables (idempotent). */
export function registerExperimentObservables(): void {
  registerObservableKind(EXPERIMENT_OBSERVABLES, build);
}
