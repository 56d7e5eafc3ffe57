/** Reader for TVB reference runs (`../shared/reference/*.h5`; layout in that folder's README). */
import { basename } from 'node:path';
import { attr, openH5 } from '../io/h5.js';

export interface ReferenceMonitor {
  class: string;
  period: number;
  istep: number;
  voi: number[];
  voiNames: string[];
  /** Everything else TVB recorded about the monitor (HRF settings for Bold...). */
  meta: Record<string, unknown>;
  time: Float64Array;
  /** (samples, nvoi, nodes, modes), C order. */
  data: Float64Array;
  shape: number[];
  float64Deviation: Float64Array;
  hrfReversed?: Float64Array;
}

export interface ReferenceCase {
  file: string;
  name: string;
  model: string;
  modelParameters: Record<string, number[]>;
  perNodeParameters: string[];
  modelDerivedParameters: Record<string, unknown>;
  stateVariables: string[];
  variablesOfInterest: string[];
  cvar: number[];
  modes: number;
  boundaries: Record<string, [number, number]> | null;
  stateVariableRange: Record<string, [number, number]>;
  coupling: string;
  couplingParameters: Record<string, number[] | number>;
  integrator: string;
  dt: number;
  nodes: number;
  conductionSpeed: number;
  horizon: number;
  nSteps: number;
  simulationLength: number;
  weights: Float64Array;
  tractLengths: Float64Array;
  centres: Float64Array;
  labels: string[];
  idelays: Int32Array;
  /** (horizon, nsv, nodes, modes). */
  initialHistory: Float64Array;
  monitors: ReferenceMonitor[];
  checks?: {
    firstCoupling: Float64Array;
    firstCouplingShape: number[];
    dfunState: Float64Array;
    dfunCoupling: Float64Array;
    dfunValue: Float64Array;
  };
  attrs: Record<string, unknown>;
}

const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

/** Readers for one open reference file: attribute, all attributes, dataset, dataset as float64. */
export function referenceAccessors(f: Awaited<ReturnType<typeof openH5>>, path: string) {
  const A = (n: string) => attr(f, n, path);
  const attrs: Record<string, unknown> = {};
  for (const k of Object.keys(f.attrs)) attrs[k] = A(k);
  const ds = (n: string) => {
    const d = f.get(n) as { value: unknown; shape: number[] } | null;
    if (!d) throw new Error(`${path}: missing dataset '${n}'`);
    return d;
  };
  const f64 = (n: string) => Float64Array.from(ds(n).value as ArrayLike<number>);
  return { A, attrs, ds, f64 };
}

export async function readReference(path: string): Promise<ReferenceCase> {
  const f = await openH5(path);
  try {
    const { A, attrs, ds, f64 } = referenceAccessors(f, path);
    const monMeta = json(A('monitors')) as Record<string, unknown>[];
    const monitors: ReferenceMonitor[] = monMeta.map((m, k) => {
      const g = `monitors/${k}`;
      const data = ds(`${g}/data`);
      const hasHrf = (f.get(g) as unknown as { keys(): string[] }).keys().includes('hrf_reversed');
      return {
        class: String(m.class),
        period: Number(m.period),
        istep: Number(m.istep),
        voi: m.voi as number[],
        voiNames: (m.voi_names as string[]) ?? [],
        meta: m,
        time: f64(`${g}/time`),
        data: Float64Array.from(data.value as ArrayLike<number>),
        shape: data.shape,
        float64Deviation: f64(`${g}/float64_deviation`),
        hrfReversed: hasHrf ? f64(`${g}/hrf_reversed`) : undefined,
      };
    });
    const hasChecks = f.keys().includes('checks');
    const labels = ds('region_labels').value as string[];
    return {
      file: path,
      name: String(A('case') ?? basename(path, '.h5')),
      model: String(A('model')),
      modelParameters: json(A('model_parameters')) as Record<string, number[]>,
      perNodeParameters: json(A('per_node_parameters')) as string[],
      modelDerivedParameters: json(A('model_derived_parameters')) as Record<string, unknown>,
      stateVariables: json(A('state_variables')) as string[],
      variablesOfInterest: json(A('variables_of_interest')) as string[],
      cvar: json(A('cvar')) as number[],
      modes: Number(A('number_of_modes')),
      boundaries: json(A('state_variable_boundaries')) as Record<string, [number, number]> | null,
      stateVariableRange: json(A('state_variable_range')) as Record<string, [number, number]>,
      coupling: String(A('coupling')),
      couplingParameters: json(A('coupling_parameters')) as Record<string, number[]>,
      integrator: String(A('integrator')),
      dt: Number(A('dt')),
      nodes: Number(A('number_of_regions')),
      conductionSpeed: Number(A('conduction_speed')),
      horizon: Number(A('horizon')),
      nSteps: Number(A('n_steps')),
      simulationLength: Number(A('simulation_length')),
      weights: f64('weights'),
      tractLengths: f64('tract_lengths'),
      centres: f64('centres'),
      labels: Array.from(labels),
      idelays: Int32Array.from(ds('idelays').value as ArrayLike<number>),
      initialHistory: f64('initial_history'),
      monitors,
      checks: hasChecks
        ? {
            firstCoupling: f64('checks/first_coupling'),
            firstCouplingShape: ds('checks/first_coupling').shape,
            dfunState: f64('checks/dfun_state'),
            dfunCoupling: f64('checks/dfun_coupling'),
            dfunValue: f64('checks/dfun_value'),
          }
        : undefined,
      attrs,
    };
  } finally {
    f.close();
  }
}
