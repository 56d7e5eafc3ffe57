import { describe, expect, it } from 'vitest';
import {
  rfft, periodogram, welch, dominantFrequency, softPeakFrequency, normalisedAveragePower, bandPower,
  spectralPeakLoss, spectralCorrLoss, fftComplex, hilbert, kuramotoOrder, synchronyMetastability, batchSummaries,
} from '../src/analysis/index.js';

function column(f: (t: number) => number, T: number): number[][] {
  return Array.from({ length: T }, (_, t) => [f(t)]);
}
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('FFT of any length', () => {
  it('equals the direct DFT for power-of-two and Bluestein lengths', () => {
    for (const n of [1, 2, 5, 8, 12, 64, 97, 300]) {
      const x = Array.from({ length: n }, (_, t) => Math.sin(t * 1.3) + 0.2 * t - Math.cos(t * t));
      const { re, im } = rfft(x);
      expect(re.length).toBe(Math.floor(n / 2) + 1);
      for (let k = 0; k < re.length; k++) {
        let r = 0, i = 0;
        for (let t = 0; t < n; t++) { r += x[t] * Math.cos((2 * Math.PI * k * t) / n); i -= x[t] * Math.sin((2 * Math.PI * k * t) / n); }
        expect(Math.abs(r - re[k])).toBeLessThan(1e-10 * n);
        expect(Math.abs(i - im[k])).toBeLessThan(1e-10 * n);
      }
    }
  });
});

describe('power spectra', () => {
  it('periodogram of a sinusoid: all power A²·n/(2·fs) at its bin, Σ P·df = A²/2', () => {
    const A = 2, fs = 100, n = 200;
    const sp = periodogram(column((t) => A * Math.sin((2 * Math.PI * 10 * t) / fs), n), fs);
    const k10 = sp.freqs.indexOf(10);
    expect(k10).toBe(20);
    expect(sp.power[k10]).toBeCloseTo((A * A * n) / (2 * fs), 10);
    expect(bandPower(sp)[0]).toBeCloseTo((A * A) / 2, 10);
    expect(dominantFrequency(sp)[0]).toBe(10);
  });

  it('Welch (Hann) of a bin-centred sinusoid keeps Σ P·df = A²/2 exactly and peaks at its frequency', () => {
    const A = 1.5, fs = 100;
    const sp = welch(column((t) => A * Math.sin((2 * Math.PI * 12.5 * t) / fs + 0.4), 1000), fs, { nperseg: 128 });
    expect(sp.freqs.length).toBe(65);
    expect(bandPower(sp)[0]).toBeCloseTo((A * A) / 2, 10);
    expect(dominantFrequency(sp)[0]).toBe(12.5);
    // a peak between grid points: the soft-argmax lies between the neighbouring bins, argmax on one
    const sp2 = welch(column((t) => Math.sin((2 * Math.PI * 12.9 * t) / fs), 1000), fs, { nperseg: 128 });
    const soft = softPeakFrequency(sp2)[0];
    expect(soft).toBeGreaterThan(12.5);
    expect(soft).toBeLessThan(13.3);
    expect(softPeakFrequency(sp2, { beta: 1e4 })[0]).toBeCloseTo(dominantFrequency(sp2)[0], 6);
  });

  it('matches scipy.signal.welch / periodogram on a fixed signal (values from scipy 1.17)', () => {
    // x_t = sin(0.37 t) + 0.5 sin(1.9 t + 0.3) + 0.001 t^1.5, t = 0..299, fs = 50 Hz
    const x = column((t) => Math.sin(0.37 * t) + 0.5 * Math.sin(1.9 * t + 0.3) + 0.001 * t ** 1.5, 300);
    const w = welch(x, 50, { nperseg: 64 });
    expect(w.freqs.length).toBe(33);
    const ref: [number, number][] = [[0, 0.002054975818598254], [1, 0.033044928070236124], [3, 0.1936017293249358], [6, 0.00024584624924592634], [18, 0.0068508997781963725], [32, 2.1614758291140433e-9]];
    for (const [k, v] of ref) expect(rel(w.power[k], v)).toBeLessThan(1e-9);
    const p = periodogram(x, 50);
    expect(p.freqs.length).toBe(151);
    for (const [k, v] of [[1, 9.198527297587807], [18, 1.8711716504446825], [150, 0.0003453950590345266]]) expect(rel(p.power[k], v)).toBeLessThan(1e-9);
    expect(Math.abs(p.power[0])).toBeLessThan(1e-20);
    const w3 = welch(x.slice(0, 257), 50, { nperseg: 100, noverlap: 30 });
    expect(w3.freqs.length).toBe(51);
    for (const [k, v] of [[0, 0.0005805654088376316], [7, 0.11570474163222118], [15, 1.2347734956761009e-8]]) expect(rel(w3.power[k], v)).toBeLessThan(1e-7);
  });

  it('normalised average power sums to 1; peak and spectral-shape losses', () => {
    const fs = 100;
    const x = Array.from({ length: 500 }, (_, t) => [Math.sin((2 * Math.PI * 10 * t) / fs), 3 * Math.sin((2 * Math.PI * 20 * t) / fs)]);
    const sp = periodogram(x, fs, { window: 'hann' });
    const nap = normalisedAveragePower(sp);
    expect(nap.power.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // both channels carry half of the normalised power whatever their amplitude
    const near = (f0: number) => nap.power.reduce((a, p, k) => (Math.abs(nap.freqs[k] - f0) < 1 ? a + p : a), 0);
    expect(near(10)).toBeCloseTo(0.5, 12); // bin-centred tones: Hann leaks only into the two neighbouring bins
    expect(near(20)).toBeCloseTo(0.5, 12);
    expect(Array.from(dominantFrequency(sp)).map(Math.round)).toEqual([10, 20]);
    const pk = softPeakFrequency(sp, { beta: 1e3 });
    expect(spectralPeakLoss(sp, [10, 20], { beta: 1e3 })).toBeCloseTo(((pk[0] - 10) ** 2 + (pk[1] - 20) ** 2) / 2, 14);
    expect(spectralPeakLoss(sp, [pk[0], pk[1] + 2], { beta: 1e3 })).toBeCloseTo(2, 12);
    expect(spectralCorrLoss(sp, sp)).toBeCloseTo(0, 14);
    expect(dominantFrequency(sp, [15, 50])[0]).toBeGreaterThan(15);
  });

  it('bad input is named', () => {
    expect(() => welch(column(Math.sin, 10), 100, { nperseg: 20 })).toThrow(/nperseg=20; expected an integer in 2..10/);
    expect(() => welch(column(Math.sin, 100), 100, { nperseg: 20, noverlap: 20 })).toThrow(/noverlap=20/);
    expect(() => periodogram(column(Math.sin, 100), 0)).toThrow(/fs=0/);
    expect(() => dominantFrequency(periodogram(column(Math.sin, 100), 10), [100, 200])).toThrow(/no frequency bins in band/);
  });
});

describe('complex FFT, Hilbert transform, phase summaries', () => {
  it('fftComplex equals the direct DFT both ways (power-of-two and Bluestein lengths); inverse undoes forward', () => {
    for (const n of [2, 3, 8, 12, 31]) {
      const xr = Array.from({ length: n }, (_, t) => Math.sin(t * 0.7) + t / n), xi = Array.from({ length: n }, (_, t) => Math.cos(t * t * 0.3));
      for (const inverse of [false, true]) {
        const re = Float64Array.from(xr), im = Float64Array.from(xi);
        fftComplex(re, im, inverse);
        const sgn = inverse ? 1 : -1, sc = inverse ? 1 / n : 1;
        for (let k = 0; k < n; k++) {
          let r = 0, i = 0;
          for (let t = 0; t < n; t++) {
            const a = (sgn * 2 * Math.PI * k * t) / n;
            r += xr[t] * Math.cos(a) - xi[t] * Math.sin(a);
            i += xr[t] * Math.sin(a) + xi[t] * Math.cos(a);
          }
          expect(Math.abs(re[k] - r * sc)).toBeLessThan(1e-12 * n);
          expect(Math.abs(im[k] - i * sc)).toBeLessThan(1e-12 * n);
        }
      }
    }
  });

  it('hilbert matches scipy.signal.hilbert (odd and even lengths); cos → sin', () => {
    for (const [n, ref] of [
      [37, [[0, -0.17566661062882824], [5, -0.07876716495492181], [20, -1.1695857943787615], [36, 0.3173772333041458]]],
      [32, [[0, 0.7509909089616348], [5, 0.055121638347192414], [20, -1.1783743550670835], [31, 1.271388124280967]]],
    ] as const) {
      const h = hilbert(Array.from({ length: n }, (_, t) => Math.sin(0.3 * t) + 0.2 * Math.sqrt(t)));
      for (const [k, v] of ref) expect(h[k]).toBeCloseTo(v, 12);
    }
    const h = hilbert(Array.from({ length: 64 }, (_, t) => Math.cos((2 * Math.PI * 5 * t) / 64)));
    for (let t = 0; t < 64; t++) expect(h[t]).toBeCloseTo(Math.sin((2 * Math.PI * 5 * t) / 64), 12);
  });

  it('Kuramoto order: 1 for locked phases, cos(Δ/2) for two phases Δ apart; metastability of a drifting pair', () => {
    const locked = synchronyMetastability(Array.from({ length: 50 }, (_, t) => [0.2 * t, 0.2 * t + 0.6]), { phases: true });
    expect(locked.synchrony).toBeCloseTo(Math.cos(0.3), 14);
    expect(locked.metastability).toBeCloseTo(0, 14);
    // two oscillators at 5 and 6 cycles per 200 samples: R(t) = |cos(Δφ/2)|, Δφ sweeping a full turn
    const x = Array.from({ length: 200 }, (_, t) => [Math.cos((2 * Math.PI * 5 * t) / 200), Math.cos((2 * Math.PI * 6 * t) / 200)]);
    const r = kuramotoOrder(x);
    for (const t of [0, 37, 100, 151]) expect(r[t]).toBeCloseTo(Math.abs(Math.cos((Math.PI * t) / 200)), 10);
    const sm = synchronyMetastability(x);
    expect(sm.synchrony).toBeCloseTo(2 / Math.PI, 2); // mean of |cos| over a half period
    expect(sm.metastability).toBeGreaterThan(0.25);
  });

  it('batchSummaries: one summary per batch element', () => {
    const data = Float64Array.from([1, 3, 3, 1, /* b=1 */ 2, 2, 4, 4]);
    const s = batchSummaries({ data, shape: [2, 2, 1, 2, 1] });
    expect(s.map((x) => x.meanVariance)).toEqual([1, 1]);
    expect(s.map((x) => x.globalSignalVariance)).toEqual([0, 1]);
  });
});
