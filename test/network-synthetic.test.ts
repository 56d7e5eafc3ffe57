/** The embedded synthetic connectome: deterministic, plausible shape, and labelled as synthetic. */
import { describe, expect, it } from 'vitest';
import { SYNTHETIC_NAME, seededUniform, syntheticConnectome } from '../src/network/index.js';

describe('syntheticConnectome', () => {
  it('is labelled synthetic everywhere', () => {
    const c = syntheticConnectome();
    expect(c.name).toBe('vbt synthetic connectome (not anatomical data)');
    expect(c.name).toBe(SYNTHETIC_NAME);
    expect(c.source).toBe('synthetic:nodes=20,seed=1');
    expect(c.labels.slice(0, 2)).toEqual(['syn-L00', 'syn-L01']);
    expect(c.labels.slice(10, 12)).toEqual(['syn-R00', 'syn-R01']);
    expect(c.labels.every((l) => l.startsWith('syn-'))).toBe(true);
    expect(c.nodeMetadata?.synthetic.every((v) => v === true)).toBe(true);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = syntheticConnectome({ nodes: 30, seed: 7 });
    const b = syntheticConnectome({ nodes: 30, seed: 7 });
    expect(Array.from(b.weights)).toEqual(Array.from(a.weights));
    expect(Array.from(b.tractLengths)).toEqual(Array.from(a.tractLengths));
    expect(Array.from(b.centres)).toEqual(Array.from(a.centres));
    const c = syntheticConnectome({ nodes: 30, seed: 8 });
    expect(Array.from(c.weights)).not.toEqual(Array.from(a.weights));
  });

  it('pins the default network (guards against accidental changes to the generator)', () => {
    const c = syntheticConnectome();
    const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
    // Values recorded from this implementation; any change to the generator must update them on purpose.
    expect(c.numberOfConnections).toBe(198);
    expect(sum(c.weights)).toBe(25.693133039615212);
    expect(sum(c.tractLengths)).toBe(42245.365971104744);
  });

  for (const nodes of [2, 3, 20, 21, 76]) {
    it(`has the structure of a two-hemisphere connectome (nodes=${nodes})`, () => {
      const c = syntheticConnectome({ nodes });
      const n = c.n;
      expect(n).toBe(nodes);
      expect(c.hemispheres.filter((h) => !h)).toHaveLength(Math.ceil(nodes / 2));
      expect(c.undirected).toBe(true);
      let max = 0;
      for (let i = 0; i < n; i++) {
        expect(c.weights[i * n + i]).toBe(0);
        expect(c.tractLengths[i * n + i]).toBe(0);
        let degree = 0;
        for (let j = 0; j < n; j++) {
          const w = c.weights[i * n + j];
          expect(w).toBeGreaterThanOrEqual(0);
          expect(c.tractLengths[i * n + j]).toBe(c.tractLengths[j * n + i]);
          if (i !== j) {
            // Tracts are never shorter than the straight line between centres.
            const d = Math.hypot(c.centres[3 * i] - c.centres[3 * j], c.centres[3 * i + 1] - c.centres[3 * j + 1], c.centres[3 * i + 2] - c.centres[3 * j + 2]);
            expect(c.tractLengths[i * n + j]).toBeGreaterThanOrEqual(d);
            expect(c.tractLengths[i * n + j]).toBeLessThan(250);
          }
          if (w > 0) degree++;
          max = Math.max(max, w);
        }
        expect(degree, `node ${i} is isolated`).toBeGreaterThan(0);
        // Left hemisphere at x < 0, right at x > 0.
        expect(Math.sign(c.centres[3 * i])).toBe(c.hemispheres[i] ? 1 : -1);
      }
      expect(max).toBe(1);
      expect(c.delays(0.1).horizon).toBeGreaterThan(1);
    });
  }

  it('weights fall off with distance within a hemisphere', () => {
    const c = syntheticConnectome({ nodes: 80, seed: 3 });
    const n = c.n;
    let near = 0, nearN = 0, far = 0, farN = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      if (i === j || c.hemispheres[i] !== c.hemispheres[j]) continue;
      const w = c.weights[i * n + j];
      if (c.tractLengths[i * n + j] < 40) { near += w; nearN++; } else { far += w; farN++; }
    }
    expect(near / nearN).toBeGreaterThan(3 * (far / farN));
  });

  it('rejects bad options', () => {
    expect(() => syntheticConnectome({ nodes: 1 })).toThrow(/nodes must be an integer >= 2/);
    expect(() => syntheticConnectome({ nodes: 2.5 })).toThrow(/nodes must be an integer/);
  });
});

describe('seededUniform', () => {
  it('stays in [0, 1), repeats per seed, and is roughly uniform', () => {
    const a = seededUniform(42), b = seededUniform(42);
    const bins = new Array(10).fill(0);
    for (let k = 0; k < 10000; k++) {
      const x = a();
      expect(x).toBe(b());
      expect(x >= 0 && x < 1).toBe(true);
      bins[Math.floor(x * 10)]++;
    }
    for (const count of bins) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });
});
