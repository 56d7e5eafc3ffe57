/**
 * TVB surface reference cases (test/fixtures/surface, layout in docs/surface-reference-format.md):
 * read one, re-run it on the kernel engine's surface path and compare under the rule of the region
 * cases: per monitor and sample, max |ours − TVB| ≤ 10·float64_deviation[s] + 1e-9·(max − min).
 * The mesh, mapping and local-connectivity files are found by name in `dataDir` (default
 * $VBT_SHARED/data/tvb, else ../shared/data/tvb) and checked against their stored sha256.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { attrOpt, openH5 } from '../io/h5.js';
import { referenceAccessors } from './read.js';
import { Connectivity } from '../network/connectivity.js';
import { getModel } from '../models/catalogue.js';
import type { MonitorSpec } from '../observation/registry.js';
import type { SimulationConfig } from '../simulation/config.js';
import { applyRule, type MonitorCheck, type ReferenceCheckResult } from './check.js';
import { simulateSurface } from '../surface/run.js';

export interface SurfaceReferenceMonitor {
  class: string;
  period: number;
  voi: number[];
  time: Float64Array;
  data: Float64Array;
  shape: number[];
  /** Nodes stored (a subset for vertex-level monitors), or undefined = all. */
  vertexIndex?: Int32Array;
  float64Deviation: Float64Array;
}

export interface SurfaceReferenceCase {
  file: string;
  name: string;
  attrs: Record<string, unknown>;
  config: SimulationConfig;
  monitors: SurfaceReferenceMonitor[];
  nSteps: number;
}

const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

/** True when the HDF5 file is a surface reference case (attribute format_version 'surface-…'). */
export async function isSurfaceReference(path: string): Promise<boolean> {
  const f = await openH5(path);
  try {
    return String(attrOpt(f, 'format_version') ?? '').startsWith('surface-');
  } finally {
    f.close();
  }
}

/** Where the shared TVB data files live unless told. */
export function defaultDataDir(): string {
  const shared = process.env.VBT_SHARED ?? resolve('../shared');
  return join(shared, 'data', 'tvb');
}

function dataFile(dir: string, name: string, sha: string | undefined, file: string): string {
  const p = join(dir, name);
  if (!existsSync(p)) throw new Error(`${file}: refers to '${name}', not found in ${dir} (pass --data DIR or set VBT_SHARED)`);
  if (sha) {
    const got = createHash('sha256').update(readFileSync(p)).digest('hex');
    if (got !== sha) throw new Error(`${file}: ${p} has sha256 ${got}; the case was made from a file with ${sha}`);
  }
  return p;
}

export async function readSurfaceReference(path: string, dataDir = defaultDataDir()): Promise<SurfaceReferenceCase> {
  const f = await openH5(path);
  try {
    const { A, attrs, ds, f64 } = referenceAccessors(f, path);
    const has = (n: string) => f.get(n) !== null;
    const model = String(A('model'));
    const spec = getModel(model);
    const parameters: Record<string, number | number[]> = {};
    for (const [k, v] of Object.entries(json(A('model_parameters')) as Record<string, number[]>)) {
      if (!(k in spec.parameters)) continue;
      parameters[k] = v.length === 1 ? Number(v[0]) : v.map(Number);
    }
    const couplingParameters: Record<string, number | number[]> = {};
    for (const [k, v] of Object.entries(json(A('coupling_parameters')) as Record<string, number[]>)) couplingParameters[k] = v.length === 1 ? v[0] : v;
    const labels = Array.from(ds('region_labels').value as string[]);
    const conn = new Connectivity({
      weights: f64('weights'), tractLengths: f64('tract_lengths'), centres: f64('centres'), labels,
      speed: Number(A('conduction_speed')), name: `${A('connectivity')} (from ${basename(path)})`,
    });
    const integrator = String(A('integrator'));
    const scheme = integrator.startsWith('Heun') ? 'Heun' : integrator.startsWith('Euler') ? 'Euler' : integrator.startsWith('RungeKutta4') ? 'RK4' : null;
    if (!scheme) throw new Error(`${path}: integrator '${integrator}' is not supported`);
    const noiseMeta = json(A('noise')) as { nsig: number[]; seed: number } | null;
    const monMeta = json(A('monitors')) as { class: string; period: number; voi: number[] }[];
    const monitors: SurfaceReferenceMonitor[] = monMeta.map((m, k) => {
      const g = `monitors/${k}`;
      const d = ds(`${g}/data`);
      return {
        class: m.class, period: Number(m.period), voi: m.voi,
        time: f64(`${g}/time`), data: Float64Array.from(d.value as ArrayLike<number>), shape: d.shape,
        vertexIndex: has(`${g}/vertex_index`) ? Int32Array.from(ds(`${g}/vertex_index`).value as ArrayLike<number>) : undefined,
        float64Deviation: f64(`${g}/float64_deviation`),
      };
    });
    const specs: MonitorSpec[] = monitors.map((m) => {
      if (m.class === 'Raw') return { name: 'Raw', voi: m.voi };
      if (m.class === 'SpatialAverage' || m.class === 'TemporalAverage' || m.class === 'SubSample') return { name: m.class, period: m.period, voi: m.voi };
      throw new Error(`${path}: monitor ${m.class} is not supported by the surface check`);
    });
    const stim = json(A('stimulus')) as { temporal: { equation: string; parameters: Record<string, number> }; stvar: number[] } | null;
    const svs = Object.keys(spec.state_variables);
    const lcName = String(attrOpt(f, 'local_connectivity_file') ?? '');
    const config: SimulationConfig = {
      model, parameters, connectivity: conn, coupling: String(A('coupling')), couplingParameters,
      integrator: { name: scheme, dt: Number(A('dt')), noise: noiseMeta ? { nsig: noiseMeta.nsig, seed: noiseMeta.seed } : undefined },
      duration: Number(A('simulation_length')),
      monitors: specs,
      variablesOfInterest: json(A('variables_of_interest')) as string[],
      idelays: Int32Array.from(ds('idelays').value as ArrayLike<number>),
      initialConditions: { history: f64('initial_history'), state: f64('initial_state') },
      surface: dataFile(dataDir, String(A('surface_file')), attrOpt(f, 'surface_sha256') as string | undefined, path),
      regionMapping: dataFile(dataDir, String(A('region_mapping_file')), attrOpt(f, 'region_mapping_sha256') as string | undefined, path),
      localConnectivity: lcName ? dataFile(dataDir, lcName, attrOpt(f, 'local_connectivity_sha256') as string | undefined, path) : undefined,
      localCoupling: lcName ? Number(A('local_coupling_strength')) : undefined,
      stimulus: stim ? { weights: f64('stimulus_spatial_pattern'), temporal: { equation: stim.temporal.equation, parameters: stim.temporal.parameters }, variables: stim.stvar.map((k) => svs[k]) } : undefined,
    };
    return { file: path, name: String(A('case')), attrs, config, monitors, nSteps: Number(A('n_steps')) };
  } finally {
    f.close();
  }
}

/** Re-run one surface case and compare every stored sample. */
export async function checkSurfaceReference(file: string, opts: { dataDir?: string } = {}): Promise<ReferenceCheckResult> {
  const t0 = performance.now();
  let ref: SurfaceReferenceCase;
  try {
    ref = await readSurfaceReference(file, opts.dataDir ?? defaultDataDir());
  } catch (e) {
    return { file, name: basename(file, '.h5'), ok: false, monitors: [], wallSeconds: 0, error: (e as Error).message };
  }
  try {
    const res = simulateSurface(ref.config);
    const checks: MonitorCheck[] = ref.monitors.map((m, i) => compareMonitor(m, res.monitors[i]));
    return { file, name: ref.name, ok: checks.every((c) => c.ok), monitors: checks, wallSeconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    return { file, name: ref.name, ok: false, monitors: [], wallSeconds: (performance.now() - t0) / 1000, error: (e as Error).message };
  }
}

function compareMonitor(m: SurfaceReferenceMonitor, out: { time: Float64Array; data: Float64Array; shape: number[] }): MonitorCheck {
  const [, T, V, Nn, M] = out.shape;
  const cols = m.vertexIndex ?? Int32Array.from({ length: Nn }, (_, k) => k);
  const width = V * cols.length * M;
  if (T !== m.time.length || m.data.length !== T * width) {
    return { name: m.class, ok: false, maxAbsErr: NaN, allowed: NaN, worstRatio: Infinity, note: `shape mismatch: ours ${T}x${V}x${cols.length}x${M}, TVB ${m.shape.join('x')}` };
  }
  return applyRule(m.class, T, (s) => {
    let e = 0;
    for (let v = 0; v < V; v++) for (let c = 0; c < cols.length; c++) for (let q = 0; q < M; q++) {
      const d = Math.abs(out.data[((s * V + v) * Nn + cols[c]) * M + q] - m.data[((s * V + v) * cols.length + c) * M + q]);
      e = Number.isNaN(d) ? Infinity : Math.max(e, d);
    }
    return e;
  }, m.data, m.float64Deviation, out.time, m.time);
}
