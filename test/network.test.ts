/** Connectivity: TVB-exact delays, validation, views; the TVB ZIP reader on the bundled data. */
import { describe, expect, it } from 'vitest';
import { basename } from 'node:path';
import {
  Connectivity,
  computeDelays,
  deriveHemispheres,
  euclideanTractLengths,
  gatherCsr,
  readTvbConnectivityZip,
  rint,
} from '../src/network/index.js';
import { attr, openH5 } from '../src/io/h5.js';
import { HAVE_SHARED, SKIP_REASON, referenceFiles, sharedPath } from './shared.js';

const maxOf = (a: ArrayLike<number>) => {
  let m = -Infinity;
  for (let k = 0; k < a.length; k++) m = Math.max(m, a[k]);
  return m;
};

describe('rint (numpy round half to even)', () => {
  it('rounds exact halves to the even neighbour', () => {
    const cases: [number, number][] = [
      [0.5, 0], [1.5, 2], [2.5, 2], [3.5, 4], [4.5, 4], [1023.5, 1024], [1024.5, 1024],
      [-0.5, -0], [-1.5, -2], [-2.5, -2], [-3.5, -4],
    ];
    for (const [x, want] of cases) expect(Object.is(rint(x), want), `rint(${x})`).toBe(true);
  });
  it('rounds non-ties to nearest, including the values just beside .5', () => {
    expect(rint(0.49999999999999994)).toBe(0);
    expect(rint(1.4999999999999998)).toBe(1);
    expect(rint(2.5000000000000004)).toBe(3);
    expect(rint(2.4)).toBe(2);
    expect(rint(2.6)).toBe(3);
    expect(rint(-2.6)).toBe(-3);
    expect(rint(0)).toBe(0);
  });
  it('handles the top of the float64 integer range and non-finite values', () => {
    expect(rint(2 ** 52 - 0.5)).toBe(2 ** 52); // floor is odd → up
    expect(rint(2 ** 52 - 1.5)).toBe(2 ** 52 - 2); // floor is even → down
    expect(rint(2 ** 53)).toBe(2 ** 53);
    expect(rint(Infinity)).toBe(Infinity);
    expect(Number.isNaN(rint(NaN))).toBe(true);
  });
});

describe('delays', () => {
  it('divides by speed, then by dt (the fused divisor would move .5 ties)', () => {
    // 1.05/3/0.1 is exactly 3.5 (→ 4, even); 1.05/(3*0.1) is 3.4999999999999996 (→ 3).
    expect(1.05 / 3 / 0.1).toBe(3.5);
    expect(1.05 / (3 * 0.1)).toBeLessThan(3.5);
    // 0.75/3/0.1 is exactly 2.5: numpy gives 2 where Math.round would give 3.
    const { idelays, horizon } = computeDelays([0, 1.05, 0.75, 2.25], 0.1, 3);
    expect(Array.from(idelays)).toEqual([0, 4, 2, 8]);
    expect(horizon).toBe(9);
  });
  it('uses the connectivity speed by default and an explicit one when given', () => {
    const c = new Connectivity({ weights: [0, 1, 1, 0], tractLengths: [0, 30, 30, 0] });
    expect(c.speed).toBe(3);
    expect(Array.from(c.delays(0.1).idelays)).toEqual([0, 100, 100, 0]);
    expect(c.delays(0.1).horizon).toBe(101);
    expect(Array.from(c.delays(0.1, 6).idelays)).toEqual([0, 50, 50, 0]);
    expect(c.withSpeed(10).delays(1).horizon).toBe(4);
    expect(Array.from(c.delaysMs())).toEqual([0, 10, 10, 0]);
  });
  it('rejects a non-positive dt or speed', () => {
    expect(() => computeDelays([1], 0, 3)).toThrow(/dt must be a positive/);
    expect(() => computeDelays([1], 0.1, -1)).toThrow(/speed must be a positive/);
  });
});

describe('Connectivity construction and views', () => {
  const tiny = () =>
    new Connectivity({
      weights: [0, 2, 0, 1, 0, 3, 0, 4, 5],
      tractLengths: [0, 10, 20, 10, 0, 15, 20, 15, 0],
      centres: [0, 0, 0, 10, 0, 0, 0, 20, 0],
      labels: ['lA', 'rB', 'lC'],
      nodeMetadata: { atlas: ['a', 'b', 'c'] },
      name: 'tiny',
    });

  it('infers n, copies inputs, derives hemispheres from r/l prefixes', () => {
    const w = [0, 1, 1, 0];
    const c = new Connectivity({ weights: w, tractLengths: [0, 1, 1, 0], labels: ['Lx', 'Rx'] });
    w[1] = 99;
    expect(c.n).toBe(2);
    expect(c.weights[1]).toBe(1);
    expect(c.hemispheres).toEqual([false, true]);
    expect(c.cortical).toEqual([]); // absent stays absent, as in TVB
    expect(tiny().hemispheres).toEqual([false, true, false]);
  });

  it('names the field, its length and the expected length on shape errors', () => {
    expect(() => new Connectivity({ weights: [1, 2, 3] })).toThrow(/weights has length 3, which is not n\*n/);
    expect(() => new Connectivity({ n: 2, weights: [1, 2, 3] })).toThrow(/weights has length 3, expected 4/);
    expect(() => new Connectivity({ weights: [0, 1, 1, 0], tractLengths: [0, 1, 1] })).toThrow(/tractLengths has length 3, expected 4/);
    expect(() => new Connectivity({ weights: [0, 1, 1, 0], tractLengths: [0, 1, 1, 0], centres: [1, 2, 3] })).toThrow(/centres has length 3, expected 6/);
    expect(() => new Connectivity({ weights: [0, 1, 1, 0], tractLengths: [0, 1, 1, 0], labels: ['a'] })).toThrow(/labels has length 1, expected 2/);
    expect(() => new Connectivity({ weights: [0, 1, 1, 0], tractLengths: [0, 1, 1, 0], areas: [1, 2, 3] })).toThrow(/areas has length 3, expected 2/);
    expect(() => new Connectivity({ weights: [0, 1, 1, 0], tractLengths: [0, 1, 1, 0], hemispheres: [true] })).toThrow(/hemispheres has length 1, expected 2/);
    expect(() => new Connectivity({ weights: [0, 1, 1, 0], tractLengths: [0, 1, 1, 0], nodeMetadata: { x: [1] } })).toThrow(/nodeMetadata.x has length 1, expected 2/);
    expect(() => new Connectivity({ weights: [0, 1, 1, 0] })).toThrow(/tractLengths missing and no centres/);
  });

  it('rejects NaN and negative tract lengths with the index', () => {
    expect(() => new Connectivity({ weights: [0, 1, 1, 0], tractLengths: [0, NaN, 1, 0] })).toThrow(/tractLengths\[1\] is NaN/);
    expect(() => new Connectivity({ weights: [0, 1, 1, 0], tractLengths: [0, 1, -2, 0] })).toThrow(/tractLengths\[2\] is -2; values must be >= 0/);
    expect(() => new Connectivity({ weights: [0, Infinity, 1, 0], tractLengths: [0, 1, 1, 0] })).toThrow(/weights\[1\] is Infinity/);
    expect(() => new Connectivity({ weights: [0, 1, 1, 0], tractLengths: [0, 1, 1, 0], speed: 0 })).toThrow(/speed must be a positive/);
  });

  it('computes Euclidean tract lengths from centres when none are given', () => {
    const c = new Connectivity({ weights: new Float64Array(9), centres: [0, 0, 0, 3, 4, 0, 0, 0, 12] });
    expect(Array.from(c.tractLengths)).toEqual([0, 5, 12, 5, 0, 13, 12, 13, 0]);
  });

  it('counts connections (diagonal included) and detects symmetry', () => {
    const c = tiny();
    expect(c.numberOfConnections).toBe(5);
    expect(c.undirected).toBe(false);
    expect(new Connectivity({ weights: [1, 2, 2, 0], tractLengths: [0, 1, 1, 0] }).undirected).toBe(true);
  });

  it('csr lists non-zero sources per target in ascending order', () => {
    const c = tiny();
    const s = c.csr();
    expect(s.nnz).toBe(5);
    expect(Array.from(s.rowPtr)).toEqual([0, 1, 3, 5]);
    expect(Array.from(s.col)).toEqual([1, 0, 2, 1, 2]);
    expect(Array.from(s.w)).toEqual([2, 1, 3, 4, 5]);
    const d = gatherCsr(s, c.delays(1, 5).idelays);
    expect(d).toBeInstanceOf(Int32Array);
    expect(Array.from(d)).toEqual([2, 2, 3, 3, 0]);
  });

  it('subset keeps the given order and every per-node field', () => {
    const c = tiny().subset([2, 0]);
    expect(c.n).toBe(2);
    expect(c.labels).toEqual(['lC', 'lA']);
    expect(Array.from(c.weights)).toEqual([5, 0, 0, 0]);
    expect(Array.from(c.tractLengths)).toEqual([0, 20, 20, 0]);
    expect(Array.from(c.centres)).toEqual([0, 20, 0, 0, 0, 0]);
    expect(c.hemispheres).toEqual([false, false]);
    expect(c.nodeMetadata).toEqual({ atlas: ['c', 'a'] });
    expect(c.name).toBe('tiny');
    expect(() => tiny().subset([0, 0])).toThrow(/given twice/);
    expect(() => tiny().subset([3])).toThrow(/out of range/);
  });

  it('copy is deep and withSpeed changes only the speed', () => {
    const a = tiny();
    const b = a.copy();
    b.weights[1] = 42;
    expect(a.weights[1]).toBe(2);
    const s = a.withSpeed(7);
    expect(s.speed).toBe(7);
    expect(Array.from(s.weights)).toEqual(Array.from(a.weights));
  });

  it('normalizedWeights follows TVB scaled_weights modes', () => {
    const c = tiny();
    expect(Array.from(c.normalizedWeights('tract'))).toEqual([0, 2 / 5, 0, 1 / 5, 0, 3 / 5, 0, 4 / 5, 1]);
    expect(Array.from(c.normalizedWeights('max'))).toEqual(Array.from(c.normalizedWeights('tract')));
    expect(Array.from(c.normalizedWeights('region'))).toEqual([0, 2 / 9, 0, 1 / 9, 0, 3 / 9, 0, 4 / 9, 5 / 9]);
    expect(Array.from(c.normalizedWeights('none'))).toEqual(Array.from(c.weights));
    expect(() => c.normalizedWeights('bogus' as 'none')).toThrow(/unknown mode/);
  });

  it('deriveHemispheres: prefix first, then suffix, else unknown (TVB rule)', () => {
    expect(deriveHemispheres(['rA', 'LB'])).toEqual([true, false]);
    expect(deriveHemispheres(['A_R', 'B_l'])).toEqual([true, false]);
    expect(deriveHemispheres(['rA', 'B_l'])).toBeUndefined(); // neither rule holds for every label
    expect(deriveHemispheres(['region_000', 'region_001'])).toEqual([true, true]); // literal, as in TVB
    expect(deriveHemispheres(['rA', 'xB'])).toBeUndefined();
    expect(deriveHemispheres([])).toBeUndefined();
  });
});

describe.skipIf(!HAVE_SHARED)(`TVB ZIP reader on bundled connectivities ${HAVE_SHARED ? '' : SKIP_REASON}`, () => {
  const zip = (n: number) => sharedPath('data', 'tvb', `connectivity_${n}.zip`);

  it('connectivity_76 matches formats.md §1.3', () => {
    const c = readTvbConnectivityZip(zip(76));
    expect(c.n).toBe(76);
    expect(c.name).toBe('connectivity_76');
    expect(c.labels.slice(0, 3)).toEqual(['rA1', 'rA2', 'rAMYG']);
    expect(c.labels[75]).toBe('lCC');
    expect(c.hemispheres.slice(0, 38).every(Boolean)).toBe(true);
    expect(c.hemispheres.slice(38).some(Boolean)).toBe(false);
    expect(maxOf(c.weights)).toBe(3);
    expect(c.numberOfConnections).toBe(1560);
    let diag = 0;
    for (let i = 0; i < 76; i++) if (c.weights[i * 77] !== 0) diag++;
    expect(diag).toBe(66);
    expect(c.undirected).toBe(false);
    expect(maxOf(c.tractLengths)).toBe(153.48574);
    expect(c.tractLengths.filter((v) => v !== 0).length).toBe(5402);
    expect(c.cortical).toHaveLength(76);
    expect(c.cortical.every(Boolean)).toBe(true);
    expect(c.areas).toHaveLength(76);
    expect(maxOf(c.areas)).toBe(10338.192);
    expect(c.orientations).toHaveLength(228);
    expect(c.speed).toBe(3);
    expect(maxOf(c.delaysMs())).toBeCloseTo(51.16, 2);
  });

  it('connectivity_66 (extra centres column), _192 (sub-folder), _998 (extra members)', () => {
    const c66 = readTvbConnectivityZip(zip(66));
    expect([c66.n, c66.hemispheres.filter(Boolean).length, c66.areas.length, c66.cortical.length]).toEqual([66, 33, 0, 0]);
    expect(maxOf(c66.weights)).toBeCloseTo(0.5122, 4);
    expect(maxOf(c66.tractLengths)).toBe(238);

    const c192 = readTvbConnectivityZip(zip(192));
    expect([c192.n, c192.hemispheres.filter(Boolean).length, c192.areas.length, c192.cortical.length, c192.orientations.length]).toEqual([192, 96, 192, 192, 576]);
    expect(maxOf(c192.weights)).toBe(3);
    expect(maxOf(c192.tractLengths)).toBe(142.1458);

    const c998 = readTvbConnectivityZip(zip(998));
    expect([c998.n, c998.hemispheres.filter(Boolean).length, c998.areas.length, c998.orientations.length]).toEqual([998, 500, 998, 0]);
    expect(maxOf(c998.weights)).toBe(0.91494284);
    expect(maxOf(c998.tractLengths)).toBe(189.5);
    // TVB's 998 sub-parcels repeat their area's label; repeats are numbered so every label is unique
    expect(new Set(c998.labels).size).toBe(998);
    expect(c998.labels.slice(0, 3)).toEqual(['rLOF', 'rLOF_2', 'rLOF_3']);
  });

  it('reads from bytes as well as from a path', async () => {
    const { readFileSync } = await import('node:fs');
    const a = readTvbConnectivityZip(zip(76));
    const b = readTvbConnectivityZip(readFileSync(zip(76)), { name: 'c76-bytes', speed: 4 });
    expect(b.name).toBe('c76-bytes');
    expect(b.speed).toBe(4);
    expect(Array.from(b.weights)).toEqual(Array.from(a.weights));
  });

  it('connectivity_76 equals the reference HDF5 and reproduces its idelays exactly', async () => {
    const file = sharedPath('reference', 'g2d_linear_heun.h5');
    const f = await openH5(file);
    try {
      const ds = (name: string) => (f.get(name) as unknown as { value: ArrayLike<number> | string[] }).value;
      const c = readTvbConnectivityZip(zip(76));
      expect(Array.from(c.weights)).toEqual(Array.from(ds('weights') as ArrayLike<number>));
      expect(Array.from(c.tractLengths)).toEqual(Array.from(ds('tract_lengths') as ArrayLike<number>));
      expect(Array.from(c.centres)).toEqual(Array.from(ds('centres') as ArrayLike<number>));
      expect(c.labels).toEqual(Array.from(ds('region_labels') as string[]));
      const dt = Number(attr(f, 'dt', file));
      const speed = Number(attr(f, 'conduction_speed', file));
      expect([dt, speed]).toEqual([0.1, 3]);
      const { idelays, horizon } = c.delays(dt, speed);
      expect(Array.from(idelays)).toEqual(Array.from(ds('idelays') as ArrayLike<number>));
      expect(horizon).toBe(Number(attr(f, 'horizon', file)));
    } finally {
      f.close();
    }
  });

  // Every reference run, whatever its dt (0.05, 2^-4, 0.1, 0.5), must give TVB's idelays and horizon.
  for (const file of referenceFiles()) {
    it(`idelays and horizon of ${basename(file)}`, async () => {
      const f = await openH5(file);
      try {
        const val = (name: string) => Array.from((f.get(name) as unknown as { value: ArrayLike<number> }).value);
        const c = new Connectivity({ weights: val('weights'), tractLengths: val('tract_lengths') });
        const { idelays, horizon } = c.delays(Number(attr(f, 'dt', file)), Number(attr(f, 'conduction_speed', file)));
        expect(Array.from(idelays)).toEqual(val('idelays'));
        expect(horizon).toBe(Number(attr(f, 'horizon', file)));
      } finally {
        f.close();
      }
    });
  }
});

describe('euclideanTractLengths', () => {
  it('is symmetric with a zero diagonal', () => {
    const t = euclideanTractLengths([1, 2, 3, -4, 5, 6, 7, -8, 9], 3);
    for (let i = 0; i < 3; i++) {
      expect(t[i * 4]).toBe(0);
      for (let j = 0; j < 3; j++) expect(t[i * 3 + j]).toBe(t[j * 3 + i]);
    }
  });
});

describe('numbering repeated region labels', () => {
  it('keeps the first occurrence, numbers the rest, and never collides with an existing label', async () => {
    const { numberRepeats } = await import('../src/network/tvb-zip.js');
    expect(numberRepeats(['a', 'b', 'a', 'a'])).toEqual(['a', 'b', 'a_2', 'a_3']);
    expect(numberRepeats(['a', 'a', 'a_2'])).toEqual(['a', 'a_3', 'a_2']);
  });
});
