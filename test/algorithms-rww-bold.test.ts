/** fitRwwBold: bad input is refused before any work; a short fit lowers the loss on its own seeds' average. */
import { describe, expect, it } from 'vitest';
import { fitRwwBold } from '../algorithms/rww-bold-fit.js';
import { Connectivity } from '../src/network/connectivity.js';
import type { SimulationConfig } from '../src/simulation/config.js';

const n = 4;
const conn = new Connectivity({ weights: [0, 0.8, 0.2, 0.1, 0.8, 0, 0.3, 0.2, 0.2, 0.3, 0, 0.9, 0.1, 0.2, 0.9, 0], tractLengths: new Float64Array(16) });
const config: SimulationConfig = {
  model: 'ReducedWongWang', parameters: { I_o: 0.32 }, connectivity: conn, coupling: 'Linear',
  integrator: { name: 'Heun', dt: 4, noise: { nsig: 1e-4, seed: 1 } }, duration: 40_000, monitors: [{ name: 'Bold', period: 1000 }],
};
const emp = [1, 0.6, 0.1, 0.0, 0.6, 1, 0.2, 0.1, 0.1, 0.2, 1, 0.7, 0.0, 0.1, 0.7, 1];

describe('fitRwwBold', () => {
  it('refuses bad input before any work', async () => {
    await expect(fitRwwBold({ config: { ...config, monitors: [{ name: 'Raw' }] }, empFc: emp, w: [0.3, 0.3, 0.3, 0.3], G: 0.3 })).rejects.toThrow(/exactly one Bold monitor/);
    await expect(fitRwwBold({ config, empFc: emp, w: [0.3], G: 0.3 })).rejects.toThrow(/w has 1 values; expected 4/);
    await expect(fitRwwBold({ config, empFc: [1], w: [0.3, 0.3, 0.3, 0.3], G: 0.3 })).rejects.toThrow(/empFc has 1 values; expected 4×4/);
    await expect(fitRwwBold({ config: { ...config, integrator: { name: 'Heun', dt: 4 } }, empFc: emp, w: [0.3, 0.3, 0.3, 0.3], G: 0.3 })).rejects.toThrow(/noise is required/);
  });

  it('Adam on the BOLD-FC gradient (w_i and G) lowers 1 − fc_corr over its fresh-noise steps', async () => {
    const r = await fitRwwBold({ config, empFc: emp, w: [0.3, 0.3, 0.3, 0.3], G: 0.3, fitG: true, steps: 12, lanes: 3, skip: 5, learningRate: 0.03 });
    const first = r.trajectory.slice(0, 3).reduce((a, b) => a + b) / 3, last = r.trajectory.slice(-3).reduce((a, b) => a + b) / 3;
    expect(last).toBeLessThan(first);
    expect(r.G).not.toBe(0.3);
    expect(r.w.every((x) => x >= 0.01 && x <= 1.5)).toBe(true);
  }, 120_000);
});
