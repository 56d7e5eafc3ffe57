/**
 * `vbt rerun`: make a result again from the provenance stored in its file. The connectivity is
 * found by its recorded hash: the built-in synthetic one, the network embedded in the file, or the
 * recorded source file; a connectivity whose hash differs is refused rather than used.
 */
import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import type { Connectivity } from '../network/connectivity.js';
import { SYNTHETIC_NAME, syntheticConnectome } from '../network/synthetic.js';
import { readAnyConnectivity, readSimulationResult } from '../io/files.js';
import { withH5 } from '../io/h5.js';
import { gidHex, readTvbH5 } from '../io/tvb-h5.js';
import { SimulationResult } from '../results/simulation.js';
import type { SimulationConfig } from '../simulation/config.js';
import { configFromProvenance, hashConnectivity, type Provenance } from './index.js';

/** The connectivity a provenance record names, checked against its hash. */
export async function findConnectivity(p: Provenance, embedded: Connectivity | undefined, file: string): Promise<Connectivity> {
  const want = p.connectivity;
  const tried: string[] = [];
  const fits = (c: Connectivity | undefined) => {
    if (!c) return undefined;
    const sped = c.speed === want.speed ? c : c.withSpeed(want.speed);
    return hashConnectivity(sped) === want.hash ? sped : undefined;
  };
  if (want.name === SYNTHETIC_NAME) {
    const c = fits(syntheticConnectome());
    if (c) return c;
    tried.push('the built-in synthetic connectome (hash differs)');
  }
  if (embedded) {
    const c = fits(embedded);
    if (c) return c;
    tried.push(`the network stored with ${file} (hash differs)`);
  }
  if (want.source && existsSync(want.source)) {
    const c = fits(await readAnyConnectivity(want.source));
    if (c) return c;
    tried.push(`${want.source} (hash differs: the file changed since the run)`);
  } else if (want.source && want.name !== SYNTHETIC_NAME) tried.push(`${want.source} (not found)`);
  throw new Error(`${file}: cannot find the connectivity the run used (${want.name}, ${want.n} nodes, sha256 ${want.hash.slice(0, 16)}…); tried ${tried.join('; ') || 'nothing'}`);
}

/** The provenance of a result file, or a clear error when it has none. */
export function provenanceOf(res: SimulationResult, file: string): Provenance {
  const p = res.info.provenance;
  if (!p) throw new Error(`${file}: has no provenance (written by a vbt before provenance was stored, or not by a kernel-engine run); it cannot be rerun`);
  return p;
}

/**
 * Read a result file and rebuild the SimulationConfig that made it: a vbt result (.nc, .h5, .json), or a TVB
 * TimeSeriesRegion vbt exported (`--format tvb`), whose one monitor is rerun alone (monitors do not change the
 * state or the noise, so its samples come out the same).
 */
export async function rerunConfig(file: string): Promise<{ original: SimulationResult; config: SimulationConfig; provenance: Provenance }> {
  if (await isTvbH5(file)) return rerunTvbConfig(file);
  const original = await readSimulationResult(file);
  const provenance = provenanceOf(original, file);
  const conn = await findConnectivity(provenance, original.network, file);
  return { original, config: configFromProvenance(provenance, conn), provenance };
}

async function isTvbH5(file: string): Promise<boolean> {
  if (!['.h5', '.hdf5'].includes(extname(file).toLowerCase()) || !existsSync(file)) return false;
  try {
    return await withH5(file, (f) => f.attrs.TVB_written_by !== undefined);
  } catch {
    return false; // not HDF5 at all: the result reader gives the error
  }
}

async function rerunTvbConfig(file: string): Promise<{ original: SimulationResult; config: SimulationConfig; provenance: Provenance }> {
  const c = await readTvbH5(file);
  if (c.kind === 'Connectivity') throw new Error(`${file}: a TVB Connectivity, not a time series; rerun the TimeSeriesRegion_<gid>.h5 beside it`);
  if (!c.vbt) throw new Error(`${file}: a TVB time series without vbt provenance (not exported by vbt simulate --format tvb); it cannot be rerun`);
  const provenance = c.vbt.provenance;
  const monitor = c.vbt.monitor;
  if (!monitor || !provenance.monitors[monitor.index] || provenance.monitors[monitor.index].name !== monitor.name) {
    throw new Error(`${file}: vbt_monitor ${JSON.stringify(monitor)} does not name one of the run's monitors (${provenance.monitors.map((m) => m.name).join(', ')})`);
  }
  if (provenance.batch) throw new Error(`${file}: the run was a batch, and a TVB time series holds its first element only; rerun the vbt result file (.nc/.h5)`);
  // the export puts the Connectivity beside the series, named by the GID the series refers to
  let embedded: Connectivity | undefined;
  const sibling = c.connectivityGid ? join(dirname(file), `Connectivity_${gidHex(c.connectivityGid)}.h5`) : undefined;
  if (sibling && existsSync(sibling)) {
    const k = await readTvbH5(sibling);
    if (k.kind === 'Connectivity') embedded = k.connectivity;
  }
  const conn = await findConnectivity(provenance, embedded, file);
  const config = { ...configFromProvenance(provenance, conn), monitors: [provenance.monitors[monitor.index]] };
  // the series as a one-monitor result; the file holds no final state, so none is compared
  const ts = c.timeSeries;
  const [T, V, N, M] = ts.shape;
  const original = new SimulationResult(
    [{ name: monitor.name, period: ts.samplePeriodMs, time: Float64Array.from(ts.time), data: Float64Array.from(ts.data), shape: [1, T, V, N, M], variables: ts.variables }],
    {
      model: provenance.model.name, coupling: provenance.coupling.name, integrator: provenance.integrator.name, dt: provenance.integrator.dt,
      nSteps: Math.ceil(provenance.duration / provenance.integrator.dt), transientSteps: Math.ceil(provenance.transient / provenance.integrator.dt),
      horizon: 0, batchSize: 1, nodeLabels: ts.regions, connectivity: conn.name, wallSeconds: 0, finalState: new Float64Array(0), stateVariables: [],
      parameters: {}, provenance,
    },
  );
  original.withNetwork(conn);
  return { original, config, provenance };
}

/**
 * Compare two results bit for bit: every monitor's data and times, and the final state when `a` holds one (a TVB
 * time series does not). `compared` names what was compared.
 */
export function compareResults(a: SimulationResult, b: SimulationResult): { identical: boolean; differences: string[]; compared: string[] } {
  const diff: string[] = [];
  const same = (x: Float64Array, y: Float64Array) => x.length === y.length && Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
  if (a.monitors.length !== b.monitors.length) diff.push(`monitors: ${a.monitors.length} vs ${b.monitors.length}`);
  a.monitors.forEach((m, k) => {
    const n = b.monitors[k];
    if (!n) return;
    if (!same(m.data, n.data)) diff.push(`monitor ${m.name}: data differ`);
    if (!same(m.time, n.time)) diff.push(`monitor ${m.name}: times differ`);
  });
  const withState = a.info.finalState.length > 0;
  if (withState && !same(a.info.finalState, b.info.finalState)) diff.push('final state differs');
  return { identical: diff.length === 0, differences: diff, compared: [...a.monitors.map((m) => m.name), ...(withState ? ['final state'] : [])] };
}
