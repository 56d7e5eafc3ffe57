/**
 * Reading the result files vbt writes, for `vbt plot` and `vbt report`: simulation results (the
 * JSON of `vbt simulate --out x.json`, netCDF/HDF5) through the I/O module's reader, and
 * ExperimentResult files (explorations, optimisations, algorithms).
 */
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import type { SimulationResult } from '../results/simulation.js';
import { ExperimentResult } from '../results/experiment.js';
import { readSimulationResult } from '../io/files.js';

export type LoadedResult = { kind: 'simulation'; simulation: SimulationResult } | { kind: 'experiment'; experiment: ExperimentResult };

/**
 * Read a vbt result file: .json (simulate --out), .nc/.h5 (SimulationResult or ExperimentResult).
 *
 * @example
 * ```ts
 * import { simulate, writeSimulationResult } from 'vbt';
 * import { loadResultFile, writeDefaultFigure } from 'vbt';
 * await writeSimulationResult(await simulate({ model: 'Generic2dOscillator', integrator: { dt: 0.1 }, duration: 20, monitors: [{ name: 'TemporalAverage', period: 1 }] }), 'out/demo.json');
 * const r = await loadResultFile('out/demo.json');
 * if (r.kind === 'simulation') await writeDefaultFigure(r.simulation, 'out/demo.png');
 * ```
 */
export async function loadResultFile(path: string): Promise<LoadedResult> {
  if (!existsSync(path)) throw new Error(`${path}: no such file`);
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return { kind: 'simulation', simulation: await readSimulationResult(path) };
  if (ext === '.nc' || ext === '.h5' || ext === '.hdf5') {
    let simErr: Error;
    try {
      return { kind: 'simulation', simulation: await readSimulationResult(path) };
    } catch (e) { simErr = e as Error; }
    try {
      return { kind: 'experiment', experiment: await ExperimentResult.fromFile(path) };
    } catch (e) {
      throw new Error(`${path}: neither a vbt simulation result (${simErr.message}) nor an experiment result (${(e as Error).message})`);
    }
  }
  throw new Error(`${path}: unknown result file type '${ext}'; expected .json (vbt simulate --out), .nc or .h5`);
}
