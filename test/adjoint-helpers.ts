/** The small test network of the adjoint tests: 5 nodes, asymmetric weights, delays of 1.3 … 7.3 steps at dt. */
import { Connectivity } from '../src/network/connectivity.js';

export const N5 = 5;

export function network5(dt: number, speed = 2): Connectivity {
  const N = N5;
  const w = new Float64Array(N * N), l = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
    if (i === j) continue;
    w[i * N + j] = 0.2 + 0.6 * (((i * 7 + j * 3) % 5) / 5);
    // fractional for linear delays, rounded for integer ones
    l[i * N + j] = speed * dt * (1.3 + ((i * 3 + j * 5) % 7));
  }
  return new Connectivity({ weights: w, tractLengths: l, speed });
}
