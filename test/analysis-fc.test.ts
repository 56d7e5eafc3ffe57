import { describe, expect, it } from 'vitest';
import {
  functionalConnectivity, StreamingFc, upperTriangle, fcCorrLossUpper, fcCorrLossFull, rmse, rowRmse, pearson,
  asSeries, monitorSeries,
} from '../src/analysis/index.js';

/** Columns u = sin, v = cos over whole periods: zero mean, orthogonal, equal norm. */
function mixedSeries(T: number, angles: number[], offset = 0): { data: Float64Array; t: number; n: number } {
  const n = angles.length;
  const data = new Float64Array(T * n);
  for (let k = 0; k < T; k++) {
    const u = Math.sin((2 * Math.PI * k) / T), v = Math.cos((2 * Math.PI * k) / T);
    for (let i = 0; i < n; i++) data[k * n + i] = offset + (i + 1) * (Math.cos(angles[i]) * u + Math.sin(angles[i]) * v);
  }
  return { data, t: T, n };
}

describe('functional connectivity', () => {
  it('equals cos(θi − θj) for unit mixtures of two orthogonal signals (closed form), zero diagonal', () => {
    const th = [0, 0.3, 1.1, 2.5];
    const fc = functionalConnectivity(mixedSeries(200, th));
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
      const want = i === j ? 0 : Math.cos(th[i] - th[j]);
      expect(Math.abs(fc.data[i * 4 + j] - want)).toBeLessThan(1e-12);
    }
    const withDiag = functionalConnectivity(mixedSeries(200, th), { keepDiagonal: true });
    expect(withDiag.data[0]).toBe(1);
  });

  it('skips the transient: garbage rows before `skip` do not change the result', () => {
    const th = [0, 0.7, 1.9];
    const base = mixedSeries(100, th);
    const withJunk = new Float64Array((100 + 7) * 3);
    for (let q = 0; q < 21; q++) withJunk[q] = 1e3 * Math.sin(q * q);
    withJunk.set(base.data, 21);
    const a = functionalConnectivity(base);
    const b = functionalConnectivity({ data: withJunk, t: 107, n: 3 }, { skip: 7 });
    for (let q = 0; q < 9; q++) expect(b.data[q]).toBeCloseTo(a.data[q], 13);
    const c = functionalConnectivity({ data: withJunk, t: 107, n: 3 });
    expect(Math.abs(c.data[1] - a.data[1])).toBeGreaterThan(1e-3);
  });

  it('Welford streaming FC equals the two-pass FC, even with a large offset', () => {
    const th = [0.1, 0.4, 2.0, 3.0, -1.0];
    const s = mixedSeries(300, th, 1e6);
    const two = functionalConnectivity(s);
    const acc = new StreamingFc(5);
    acc.pushSeries(s);
    const st = acc.result();
    for (let q = 0; q < 25; q++) expect(Math.abs(st.data[q] - two.data[q])).toBeLessThan(1e-9);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) if (i !== j) expect(st.data[i * 5 + j]).toBeCloseTo(Math.cos(th[i] - th[j]), 8);
    expect(acc.means()[2]).toBeCloseTo(1e6, 6);
    const skipped = new StreamingFc(5, { skip: 10 });
    skipped.pushSeries(s);
    expect(skipped.count).toBe(290);
    const ref = functionalConnectivity(s, { skip: 10 });
    expect(Math.abs(skipped.result().data[3] - ref.data[3])).toBeLessThan(1e-9);
  });

  it('constant channel gives 0 correlations, not NaN; bad input is named', () => {
    const fc = functionalConnectivity([[1, 5], [2, 5], [3, 5]]);
    expect([...fc.data]).toEqual([0, 0, 0, 0]);
    expect(() => functionalConnectivity([[1, 2]])).toThrow(/at least 2/);
    expect(() => functionalConnectivity([[1, 2], [1]])).toThrow(/row 1 has 1 values; expected 2/);
    expect(() => asSeries({ data: [1, 2, 3], t: 2, n: 2 })).toThrow(/expected t\*n/);
    expect(() => new StreamingFc(2).result()).toThrow(/need at least 2/);
  });

  it('monitorSeries slices [B, T, V, N, M] outputs', () => {
    const [B, T, V, N, M] = [2, 3, 2, 4, 2];
    const data = Float64Array.from({ length: B * T * V * N * M }, (_, q) => q);
    const s = monitorSeries({ data, shape: [B, T, V, N, M] }, { b: 1, v: 1, m: 1 });
    expect(s.t).toBe(3);
    expect(s.data[2 * 4 + 3]).toBe((((1 * T + 2) * V + 1) * N + 3) * M + 1);
  });
});

describe('FC losses', () => {
  const A = { data: Float64Array.of(0, 1, 2, 1, 0, 3, 2, 3, 0), n: 3 };
  const Bm = { data: Float64Array.of(0, 1, 3, 1, 0, 2, 3, 2, 0), n: 3 };
  it('upper-triangle and full-matrix 1 − corr differ as computed by hand', () => {
    // upper: (1,2,3) vs (1,3,2): r = 1/2. Full: means 4/3, Σab = 26, Σa² = 28, 9m² = 16 → r = 10/12.
    expect(fcCorrLossUpper(A, Bm)).toBeCloseTo(0.5, 14);
    expect(fcCorrLossFull(A, Bm)).toBeCloseTo(1 - 10 / 12, 14);
    expect(fcCorrLossUpper(A, A)).toBeCloseTo(0, 14);
    const neg = { data: A.data.map((x) => -x), n: 3 };
    expect(fcCorrLossUpper(A, neg)).toBeCloseTo(2, 14);
    expect([...upperTriangle(A)]).toEqual([1, 2, 3]);
  });
  it('RMSE and row-wise RMSE', () => {
    expect(rmse([0, 0], [3, 4])).toBeCloseTo(Math.sqrt(12.5), 14);
    expect(rmse(A, Bm)).toBeCloseTo(Math.sqrt(4 / 9), 14);
    const r = rowRmse(A, Bm);
    expect(r[0]).toBeCloseTo(Math.sqrt(1 / 3), 14);
    expect(r[1]).toBeCloseTo(Math.sqrt(1 / 3), 14);
    expect(rowRmse(A, Bm, { excludeDiagonal: true })[2]).toBeCloseTo(1, 14); // row (2,3,0) vs (3,2,0)
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 14);
    expect(() => fcCorrLossUpper(A, { data: new Float64Array(4), n: 2 })).toThrow(/same size/);
    expect(() => rmse([1], [1, 2])).toThrow(/lengths differ/);
  });
});
