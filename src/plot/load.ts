/**
 * Reading the result files vbt writes, for `vbt plot` and `vbt report`: the JSON of
 * `vbt simulate --out x.json`, and netCDF/HDF5 result files (SimulationResult or ExperimentResult).
 */
import { readFileSync, existsSync } from 'node:fs';
import { extname } from 'node:path';
import { SimulationResult, type MonitorOutput } from '../simulation/result.js';
import { ExperimentResult } from '../results/experiment.js';

function need(cond: unknown, file: string, what: string): asserts cond {
  if (!cond) throw new Error(`${file}: ${what}`);
}

/**
 * Rebuild a SimulationResult from the plain JSON `SimulationResult.toJSON()` writes.
 *
 * @example
 * ```ts
 * const res = simulationFromJson(JSON.parse(readFileSync('out/demo.json', 'utf8')));
 * ```
 */
export function simulationFromJson(obj: unknown, file = '<json>'): SimulationResult {
  const o = obj as { info?: Record<string, unknown>; monitors?: unknown[] };
  need(o && typeof o === 'object' && o.info && Array.isArray(o.monitors), file, 'not a vbt simulation result (expected an object with "info" and "monitors", as written by `vbt simulate --out x.json`)');
  const info = o.info;
  for (const k of ['model', 'coupling', 'integrator', 'dt', 'nodeLabels']) need(k in info, file, `info.${k} is missing`);
  const monitors: MonitorOutput[] = o.monitors.map((m, k) => {
    const mm = m as Record<string, unknown>;
    need(typeof mm.name === 'string', file, `monitors[${k}].name is missing`);
    const shape = mm.shape as number[];
    need(Array.isArray(shape) && shape.length === 5, file, `monitors[${k}].shape must be [batch, time, variable, node, mode]`);
    const data = Float64Array.from(mm.data as number[]);
    const time = Float64Array.from(mm.time as number[]);
    need(data.length === shape.reduce((a, b) => a * b, 1), file, `monitors[${k}] (${mm.name as string}): ${data.length} data values for shape [${shape.join(', ')}]`);
    need(time.length === shape[1], file, `monitors[${k}] (${mm.name as string}): ${time.length} times for ${shape[1]} samples`);
    return { name: mm.name as string, period: Number(mm.period), time, data, shape: shape as MonitorOutput['shape'], variables: (mm.variables as string[]) ?? [] };
  });
  return new SimulationResult(monitors, { ...(info as unknown as SimulationResult['info']), finalState: Float64Array.from((info.finalState as number[]) ?? []) });
}

export type LoadedResult = { kind: 'simulation'; simulation: SimulationResult } | { kind: 'experiment'; experiment: ExperimentResult };

/** Read a vbt result file: .json (simulate --out), .nc/.h5 (SimulationResult or ExperimentResult). */
export async function loadResultFile(path: string): Promise<LoadedResult> {
  if (!existsSync(path)) throw new Error(`${path}: no such file`);
  const ext = extname(path).toLowerCase();
  if (ext === '.json') {
    let obj: unknown;
    try { obj = JSON.parse(readFileSync(path, 'utf8')); } catch (e) { throw new Error(`${path}: not valid JSON: ${(e as Error).message}`); }
    return { kind: 'simulation', simulation: simulationFromJson(obj, path) };
  }
  if (ext === '.nc' || ext === '.h5' || ext === '.hdf5') {
    let simErr: Error | undefined;
    try {
      return { kind: 'simulation', simulation: await SimulationResult.fromFile(path) };
    } catch (e) { simErr = e as Error; }
    try {
      return { kind: 'experiment', experiment: await ExperimentResult.fromFile(path) };
    } catch (e) {
      throw new Error(`${path}: neither a vbt simulation result (${simErr.message}) nor an experiment result (${(e as Error).message})`);
    }
  }
  throw new Error(`${path}: unknown result file type '${ext}'; expected .json (vbt simulate --out), .nc or .h5`);
}
