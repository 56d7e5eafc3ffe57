/**
 * TVB's analyzers as float64 functions, checked against scipy / scikit-learn on the same inputs:
 * exact (to rounding) where deterministic, up to sign and order for PCA/ICA components.
 */
import { describe, it, expect, vi } from 'vitest';

// every check starts a Python with scipy/scikit-learn; on a loaded machine that alone takes seconds
vi.setConfig({ testTimeout: 120_000 });
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pca, fastIca } from '../src/analysis/decomposition.js';
import { crossSpectra, coherence, complexCoherence } from '../src/analysis/cross-spectra.js';
import { covariance, crossCorrelation } from '../src/analysis/correlation.js';
import { continuousWavelet } from '../src/analysis/wavelet.js';
import { kuramotoOrder } from '../src/analysis/summary.js';
import { TimeSeries } from '../src/results/timeseries.js';
import { plotPca, plotIcaSources, plotWavelet, plotCrossCorrelation, plotCoherence, plotCovariance, plotKuramoto } from '../src/plot/analyzers.js';
import { toSvg } from '../src/plot/render.js';

function findPython(): { py?: string; why: string } {
  const tried: string[] = [];
  for (const c of [process.env.VBT_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[]) {
    try { execFileSync(c, ['-c', 'import numpy, scipy.signal, sklearn.decomposition'], { stdio: 'pipe', timeout: 60000 }); return { py: c, why: '' }; } catch (e) { tried.push(`${c}: ${String((e as { stderr?: Buffer }).stderr ?? e).trim().split('\n').pop()}`); }
  }
  return { why: `no python with numpy, scipy, scikit-learn (${tried.join('; ')}); apt-get install python3-scipy python3-sklearn` };
}
const { py: PY, why } = findPython();
const tmp = mkdtempSync(join(tmpdir(), 'vbt-anz-'));

/** Run python on a JSON input file; the script defines `out` (JSON-able). */
function python(script: string, input: unknown): any {
  const f = join(tmp, `in${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(f, JSON.stringify(input));
  const code = `import json, sys, numpy as np\nfrom scipy import signal\nI = json.load(open(sys.argv[1]))\n${script}\nprint(json.dumps(out))`;
  return JSON.parse(execFileSync(PY!, ['-c', code, f], { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 120000 }));
}

// a deterministic [T, N] test series: mixed sinusoids plus a little pseudo-noise
const T = 1200, N = 4, FS = 250;
function series(): { data: Float64Array; t: number; n: number } {
  const data = new Float64Array(T * N);
  let s = 12345;
  const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296 - 0.5);
  for (let t = 0; t < T; t++) {
    const a = Math.sin(2 * Math.PI * 10 * t / FS), b = Math.sign(Math.sin(2 * Math.PI * 3.3 * t / FS)), c = ((t * 7) % 50) / 25 - 1;
    data[t * N + 0] = a + 0.5 * b + 0.1 * r();
    data[t * N + 1] = 0.3 * a - b + 0.2 * c + 0.1 * r();
    data[t * N + 2] = c + 0.2 * a + 0.1 * r();
    data[t * N + 3] = 0.7 * b - 0.4 * c + 0.3 * a + 0.1 * r();
  }
  return { data, t: T, n: N };
}
const X = series();
const rows = Array.from({ length: T }, (_, t) => Array.from(X.data.subarray(t * N, (t + 1) * N)));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k])); return m; };

describe.skipIf(!PY)(`analyzers against scipy / scikit-learn${PY ? '' : ` (skipped: ${why})`}`, () => {
  it('PCA = sklearn PCA of the z-scored data: fractions exact, weights up to sign', () => {
    const r = pca(X);
    const ref = python(`
from sklearn.decomposition import PCA
x = np.array(I); a = (x - x.mean(0)) / x.std(0)
p = PCA().fit(a)
out = {'w': p.components_.tolist(), 'f': p.explained_variance_ratio_.tolist()}`, rows);
    expect(maxDiff(r.fractions, ref.f)).toBeLessThan(1e-12);
    for (let k = 0; k < N; k++) {
      const ours = r.weights.subarray(k * N, (k + 1) * N), theirs = ref.w[k] as number[];
      const sign = Math.sign(ours.reduce((acc, v, i) => acc + v * theirs[i], 0));
      expect(maxDiff(ours.map((v) => v * sign), theirs)).toBeLessThan(1e-10);
    }
  });

  it('FastICA = sklearn FastICA (logcosh, unit-variance whitening) converge to the same sources up to sign and order', () => {
    const wInit = [0.3, -1.2, 0.5, 0.8, 1.1, 0.2, -0.7, 0.4, -0.5, 0.9, 1.3, -0.1, 0.6, -0.3, 0.2, 1.0];
    const r = fastIca(X, { wInit, maxIter: 400, tol: 1e-10 });
    const ref = python(`
from sklearn.decomposition import FastICA
x = np.array(I['x'])
ica = FastICA(n_components=4, whiten='unit-variance', fun='logcosh', w_init=np.array(I['w']).reshape(4, 4), max_iter=400, tol=1e-10)
s = ica.fit_transform(x)
out = {'s': s.T.tolist(), 'it': int(ica.n_iter_)}`, { x: rows, w: wInit });
    // whitening eigenvector signs may differ from sklearn's, so the paths differ; both converge
    expect(r.iterations).toBeLessThan(400);
    expect(ref.it).toBeLessThan(400);
    for (let c = 0; c < 4; c++) {
      const ours = Float64Array.from({ length: T }, (_, t) => r.sources[t * 4 + c]);
      // match to the reference component with the largest |correlation|
      let best = -1, bestCorr = 0;
      ref.s.forEach((th: number[], k: number) => { const cc = ours.reduce((a, v, t) => a + v * th[t], 0) / T; if (Math.abs(cc) > Math.abs(bestCorr)) { best = k; bestCorr = cc; } });
      expect(Math.abs(bestCorr)).toBeGreaterThan(1 - 1e-8);
      expect(maxDiff(ours.map((v) => v * Math.sign(bestCorr)), ref.s[best])).toBeLessThan(1e-5); // unit-variance sources
    }
  });

  it('cross-spectra = scipy.signal.csd; coherence = scipy.signal.coherence; complex coherency from csd/welch', () => {
    const cs = crossSpectra(X, FS, { nperseg: 128 });
    const co = coherence(X, FS, { nperseg: 128 });
    const cc = complexCoherence(X, FS, { nperseg: 128, window: 'hamming', detrend: 'linear', noverlap: 32 });
    const ref = python(`
x = np.array(I).T
f, p01 = signal.csd(x[0], x[1], fs=${FS}, nperseg=128)
_, p22 = signal.csd(x[2], x[2], fs=${FS}, nperseg=128)
_, c13 = signal.coherence(x[1], x[3], fs=${FS}, nperseg=128)
kw = dict(fs=${FS}, nperseg=128, window='hamming', detrend='linear', noverlap=32)
_, q02 = signal.csd(x[0], x[2], **kw); _, q00 = signal.csd(x[0], x[0], **kw); _, q22 = signal.csd(x[2], x[2], **kw)
k = q02 / np.sqrt(q00.real * q22.real)
out = {'f': f.tolist(), 're': p01.real.tolist(), 'im': p01.imag.tolist(), 'p22': p22.real.tolist(), 'c13': c13.tolist(), 'kre': k.real.tolist(), 'kim': k.imag.tolist()}`, rows);
    expect(maxDiff(cs.freqs, ref.f)).toBe(0);
    const pick = (a: Float64Array, i: number, j: number) => Array.from(cs.freqs, (_, f) => a[(f * N + i) * N + j]);
    const scale = Math.max(...ref.re.map(Math.abs));
    expect(maxDiff(pick(cs.re, 0, 1), ref.re)).toBeLessThan(1e-12 * scale);
    expect(maxDiff(pick(cs.im, 0, 1), ref.im)).toBeLessThan(1e-12 * scale);
    expect(maxDiff(pick(cs.re, 2, 2), ref.p22)).toBeLessThan(1e-12 * Math.max(...ref.p22));
    expect(maxDiff(Array.from(co.freqs, (_, f) => co.data[(f * N + 1) * N + 3]), ref.c13)).toBeLessThan(1e-10);
    expect(maxDiff(Array.from(cc.freqs, (_, f) => cc.re[(f * N + 0) * N + 2]), ref.kre)).toBeLessThan(1e-10);
    expect(maxDiff(Array.from(cc.freqs, (_, f) => cc.im[(f * N + 0) * N + 2]), ref.kim)).toBeLessThan(1e-10);
  });

  it('covariance = numpy.cov; cross-correlation = numpy.correlate of z-scored series / T', () => {
    const cv = covariance(X);
    const xc = crossCorrelation(X, { maxLag: 25 });
    const ref = python(`
x = np.array(I); z = (x - x.mean(0)) / x.std(0); T = len(x)
full = np.correlate(z[:, 3], z[:, 1], mode='full') / T   # index T-1+l: sum_t z3[t+l] z1[t]
lags = np.arange(-25, 26)
out = {'cov': np.cov(x.T).ravel().tolist(), 'xc13': [float(full[T - 1 + l]) for l in lags]}`, rows);
    expect(maxDiff(cv.data, ref.cov)).toBeLessThan(1e-12);
    // ours r_13(l) = Σ z1(t) z3(t + l) / T
    expect(maxDiff(Array.from(xc.lags, (_, k) => xc.data[(k * N + 1) * N + 3]), ref.xc13)).toBeLessThan(1e-12);
    expect(xc.data[(25 * N + 2) * N + 2]).toBeCloseTo(1, 12);
  });

  it("continuous Morlet wavelet = TVB's construction convolved by scipy.signal.convolve('same')", () => {
    const fr = { lo: 0.004, hi: 0.02, step: 0.004 };
    const dt = 1000 / FS;
    const w = continuousWavelet(X, dt, { frequencies: fr, samplePeriod: 2 * dt, qRatio: 6 });
    const g = continuousWavelet(X, dt, { frequencies: fr, normalisation: 'gabor' });
    const ref = python(`
x = np.array(I)[:, 1]; sr = ${FS} / 1000.0
out = {}
for norm, step, q in (('energy', 2, 6.0), ('gabor', 1, 5.0)):
    freqs = np.arange(${fr.lo}, ${fr.hi}, ${fr.step})
    st = 1.0 / (2 * np.pi * freqs / q)
    amp = 1.0 / np.sqrt(sr * np.sqrt(np.pi) * st) if norm == 'energy' else np.sqrt(2 / np.pi) / sr / st
    res = []
    for i, f0 in enumerate(freqs):
        t = np.arange(0, 4.0 * st[i] * sr, 1) / sr
        wv = amp[i] * np.exp(-t ** 2 / (2 * st[i] ** 2)) * np.exp(2j * np.pi * f0 * t)
        wv = np.hstack((np.conjugate(wv[-1:0:-1]), wv))
        c = signal.convolve(x, wv, 'same')[::step]
        res.append([c.real.tolist(), c.imag.tolist()])
    out[norm] = {'f': freqs.tolist(), 'c': res}`, rows);
    for (const [r, key] of [[w, 'energy'], [g, 'gabor']] as const) {
      expect(maxDiff(r.freqs, ref[key].f)).toBeLessThan(1e-15);
      for (let f = 0; f < r.freqs.length; f++) {
        const re = Array.from({ length: r.nt }, (_, t) => r.re[(f * r.nt + t) * N + 1]);
        const im = Array.from({ length: r.nt }, (_, t) => r.im[(f * r.nt + t) * N + 1]);
        const sc = Math.max(...ref[key].c[f][0].map(Math.abs));
        expect(re.length).toBe(ref[key].c[f][0].length);
        expect(maxDiff(re, ref[key].c[f][0])).toBeLessThan(1e-10 * sc);
        expect(maxDiff(im, ref[key].c[f][1])).toBeLessThan(1e-10 * sc);
      }
    }
    expect(() => continuousWavelet(X, dt, { qRatio: 4 })).toThrow(/not be lower than 5/);
    expect(() => continuousWavelet(X, dt, { frequencies: { lo: 0.1, hi: 0.2, step: 0.01 } })).toThrow(/above the Nyquist/);
  });

  it('Kuramoto order parameter = |mean exp(iθ)| (numpy), phases given or from scipy.signal.hilbert', () => {
    const ph = kuramotoOrder(X, { phases: true });
    const hi = kuramotoOrder(X);
    const ref = python(`
x = np.array(I)
a = signal.hilbert(x - x.mean(0), axis=0)
out = {'ph': np.abs(np.exp(1j * x).mean(1)).tolist(), 'hi': np.abs((a / np.abs(a)).mean(1)).tolist()}`, rows);
    expect(maxDiff(ph, ref.ph)).toBeLessThan(1e-13);
    expect(maxDiff(hi, ref.hi)).toBeLessThan(1e-9);
  });
});

describe('analyzers as TimeSeries methods, with figures', () => {
  const ts = new TimeSeries({ data: X.data, shape: [T, 1, N, 1], samplePeriod: 1000 / FS, variables: ['x'], regions: ['a', 'b', 'c', 'd'] });
  it('each method computes on the chosen variable and each figure renders', async () => {
    const p = await ts.pca();
    expect(Array.from(p.fractions)).toEqual(Array.from(pca(X).fractions));
    const ica = await ts.ica({ seed: 1 });
    const w = await ts.wavelet({ frequencies: { lo: 0.004, hi: 0.02, step: 0.004 } });
    const cc = await ts.crossCorrelation({ maxLag: 10 });
    const co = await ts.coherence({ nfft: 128 });
    expect(Array.from(co.data)).toEqual(Array.from(coherence(X, FS, { nperseg: 128 }).data));
    const cx = await ts.complexCoherence({ nperseg: 128 });
    const cv = await ts.covariance();
    const R = await ts.kuramotoOrder();
    const specs = [plotPca(p, { labels: ts.regions }), plotIcaSources(ica, ts.time), plotWavelet(w), plotCrossCorrelation(cc, { dt: ts.samplePeriodMs }), plotCoherence(co), plotCoherence(cx, { phase: true }), plotCovariance(cv, { labels: ts.regions }), plotKuramoto(R, ts.time)];
    for (const s of specs) expect(await toSvg(s)).toContain('<svg');
  }, 60_000);
});
