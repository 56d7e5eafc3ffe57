/** The 84-region network of the sweep benches: dk_average SC/max without delays, or a synthetic stand-in. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDkAverage, maxNormalized } from '../algorithms/index.js';
import { Connectivity } from '../src/network/connectivity.js';
import { syntheticConnectome } from '../src/network/synthetic.js';

export const SHARED = process.env.VBT_SHARED ?? resolve(process.cwd(), '../shared');

export function network84(): Connectivity {
  const dir = join(SHARED, 'data', 'dk_average');
  if (!existsSync(join(dir, 'structural.npz'))) return syntheticConnectome({ nodes: 84 });
  const sc = maxNormalized(loadDkAverage(dir).connectivity);
  return new Connectivity({ n: sc.n, weights: sc.weights, tractLengths: new Float64Array(sc.n * sc.n), labels: sc.labels });
}
