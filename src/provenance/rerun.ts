/**
 * `vbt rerun`: make a result again from the provenance stored in its file. The connectivity is
 * found by its recorded hash: the built-in synthetic one, the network embedded in the file, or the
 * recorded source file; a connectivity whose hash differs is refused rather than used.
 */
import { existsSync } from 'node:fs';
import type { Connectivity } from '../network/connectivity.js';
import { SYNTHETIC_NAME, syntheticConnectome } from '../network/synthetic.js';
import { readAnyConnectivity, readSimulationResult } from '../io/files.js';
import type { SimulationResult } from '../results/simulation.js';
import type { SimulationConfig } from '../simulation/config.js';
import { configFromProvenance, hashConnectivity, type Provenance } from './index.js';

/** The connectivity a provenance record names, checked against its hash. */
export async function findConnectivity(p: Provenance, res: SimulationResult, file: string): Promise<Connectivity> {
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
  if (res.network) {
    const c = fits(res.network);
    if (c) return c;
    tried.push(`the network stored in ${file} (hash differs)`);
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

/** Read a result file and rebuild the SimulationConfig that made it. */
export async function rerunConfig(file: string): Promise<{ original: SimulationResult; config: SimulationConfig; provenance: Provenance }> {
  const original = await readSimulationResult(file);
  const provenance = provenanceOf(original, file);
  const conn = await findConnectivity(provenance, original, file);
  return { original, config: configFromProvenance(provenance, conn), provenance };
}

/** Compare two results bit for bit: every monitor's data and times, and the final state. */
export function compareResults(a: SimulationResult, b: SimulationResult): { identical: boolean; differences: string[] } {
  const diff: string[] = [];
  const same = (x: Float64Array, y: Float64Array) => x.length === y.length && Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
  if (a.monitors.length !== b.monitors.length) diff.push(`monitors: ${a.monitors.length} vs ${b.monitors.length}`);
  a.monitors.forEach((m, k) => {
    const n = b.monitors[k];
    if (!n) return;
    if (!same(m.data, n.data)) diff.push(`monitor ${m.name}: data differ`);
    if (!same(m.time, n.time)) diff.push(`monitor ${m.name}: times differ`);
  });
  if (!same(a.info.finalState, b.info.finalState)) diff.push('final state differs');
  return { identical: diff.length === 0, differences: diff };
}
