/**
 * Stochastic integration against TVB itself: runs of Generic2dOscillator on a fixed 5-node network
 * with TVB's HeunStochastic/EulerStochastic and its Additive (white and coloured) and Multiplicative
 * noise classes, seeded, recorded by tools/make_tvb_noise_fixtures.py. Equal trajectories mean the
 * same normal draws (numpy's RandomState), the same draw order, the same nsig/ntau conventions and
 * the same place the noise enters each integrator stage.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { simulateSync } from '../src/simulation/simulate.js';
import { Connectivity } from '../src/network/connectivity.js';
import type { SimulationConfig } from '../src/simulation/config.js';

interface NoiseFixture {
  case: string; integrator: string; dt: number; steps: number;
  noise: { kind: 'Additive' | 'Multiplicative'; nsig: number[]; ntau: number; seed: number; a: number | null; b: number | null };
  coupling_a: number; weights: number[][]; tract_lengths: number[][]; speed: number;
  model_parameters: Record<string, number>;
  history_shape: number[]; history: number[]; time: number[]; data: number[]; data_shape: number[];
}

const dir = join(__dirname, 'fixtures/tvb-noise');
const fixtures: NoiseFixture[] = readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));

function config(fx: NoiseFixture, seed = fx.noise.seed): SimulationConfig {
  const conn = new Connectivity({ weights: fx.weights.flat(), tractLengths: fx.tract_lengths.flat(), speed: fx.speed });
  return {
    model: 'Generic2dOscillator', parameters: fx.model_parameters, connectivity: conn,
    coupling: 'Linear', couplingParameters: { a: fx.coupling_a },
    integrator: {
      name: fx.integrator.startsWith('Heun') ? 'Heun' : 'Euler', dt: fx.dt,
      noise: { nsig: fx.noise.nsig, ntau: fx.noise.ntau, seed, kind: fx.noise.kind === 'Multiplicative' ? 'multiplicative' : 'additive', a: fx.noise.a ?? undefined, b: fx.noise.b ?? undefined },
    },
    duration: fx.steps * fx.dt, monitors: [{ name: 'Raw' }], variablesOfInterest: ['V', 'W'],
    initialConditions: { history: fx.history }, historyPrecision: 'float32',
  };
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}

describe('stochastic integration equals TVB', () => {
  for (const fx of fixtures) {
    it(`${fx.case}: ${fx.integrator}, ${fx.noise.kind}${fx.noise.ntau > 0 ? ` ntau=${fx.noise.ntau}` : ''}`, () => {
      const res = simulateSync(config(fx));
      const raw = res.monitor('Raw');
      expect(raw.shape).toEqual([1, ...fx.data_shape]);
      expect(maxAbs(raw.time, fx.time)).toBeLessThan(1e-12);
      const err = maxAbs(raw.data, fx.data);
      // another seed lands far away: the comparison sees the noise, not just the deterministic part
      const other = maxAbs(simulateSync(config(fx, fx.noise.seed + 1)).monitor('Raw').data, fx.data);
      expect(other).toBeGreaterThan(1e-2);
      // TVB keeps the history in float32; with the same precision we land within 7e-10 (measured)
      expect(err).toBeLessThan(5e-9);
    });
  }
});
