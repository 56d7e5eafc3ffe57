/**
 * Mode decompositions of a [T, N] series (time points as observations, nodes as variables):
 * TVB's PCA (z-scored data, SVD: weights = right singular vectors, fractions = s²/Σs²) and
 * FastICA (whitening by the covariance eigen-decomposition, then the symmetric fixed-point
 * iteration with the log-cosh contrast — the algorithm of Hyvärinen 1999 as scikit-learn runs it).
 * SVD and eigen-decomposition come from ml-matrix.
 */
import { Matrix, SingularValueDecomposition, EigenvalueDecomposition, pseudoInverse } from 'ml-matrix';
import { asSeries, type Series } from './series.js';

export interface PcaResult {
  /** Component weights, row k = component k over the N nodes (TVB's `weights`, sklearn's components_). */
  weights: Float64Array;
  /** Fraction of the variance each component explains, descending. */
  fractions: Float64Array;
  n: number;
}

/**
 * TVB's PCA of one state variable and mode.
 *
 * @example
 * ```ts
 * import { pca } from 'vbt';
 * pca({ data: Float64Array.of(1, 2, 2, 4, 3, 6.5), t: 3, n: 2 }).fractions[0]; // ≈ 1
 * ```
 */
export function pca(x: Series | ArrayLike<number>[]): PcaResult {
  const s = asSeries(x, 'pca');
  const { t: T, n: N } = s;
  if (T < N) throw new Error(`pca: needs more time points than nodes (T=${T}, N=${N})`);
  const a = new Matrix(T, N);
  for (let i = 0; i < N; i++) {
    let mu = 0;
    for (let k = 0; k < T; k++) mu += s.data[k * N + i];
    mu /= T;
    let v = 0;
    for (let k = 0; k < T; k++) v += (s.data[k * N + i] - mu) ** 2;
    const sd = Math.sqrt(v / T);
    for (let k = 0; k < T; k++) a.set(k, i, (s.data[k * N + i] - mu) / sd);
  }
  const svd = new SingularValueDecomposition(a, { computeLeftSingularVectors: false, computeRightSingularVectors: true, autoTranspose: true });
  const sv = svd.diagonal, V = svd.rightSingularVectors;
  const order = sv.map((_, k) => k).sort((p, q) => sv[q] - sv[p]);
  const weights = new Float64Array(N * N), fractions = new Float64Array(N);
  let total = 0;
  for (const v of sv) total += v * v;
  order.forEach((k, r) => {
    fractions[r] = (sv[k] * sv[k]) / total;
    for (let i = 0; i < N; i++) weights[r * N + i] = V.get(i, k);
  });
  return { weights, fractions, n: N };
}

export interface IcaOptions {
  /** Number of components (default N). */
  components?: number;
  maxIter?: number;
  tol?: number;
  /** Initial unmixing matrix (components × components), row-major; default a seeded normal draw. */
  wInit?: ArrayLike<number>;
  seed?: number;
}

export interface IcaResult {
  /** Sources [T, components], unit variance. */
  sources: Float64Array;
  /** Unmixing matrix applied to the centred data (components × N). */
  unmixing: Float64Array;
  /** Mixing matrix (N × components): data ≈ sources · mixingᵀ + mean. */
  mixing: Float64Array;
  components: number;
  iterations: number;
}

function symDecorrelate(W: Matrix): Matrix {
  // W ← (W Wᵀ)^{-1/2} W
  const e = new EigenvalueDecomposition(W.mmul(W.transpose()), { assumeSymmetric: true });
  const d = e.realEigenvalues, u = e.eigenvectorMatrix;
  const D = Matrix.diag(d.map((x) => 1 / Math.sqrt(x)));
  return u.mmul(D).mmul(u.transpose()).mmul(W);
}

function seededNormal(seed: number): () => number {
  let s = seed >>> 0 || 1;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/**
 * FastICA, parallel (symmetric) with g(u) = tanh(u); sources scaled to unit variance. With the
 * same `wInit` it follows scikit-learn's FastICA(whiten='unit-variance', fun='logcosh') step for
 * step; components agree up to sign and order in any case.
 *
 * @example
 * ```ts
 * import { fastIca } from 'vbt';
 * // two sources (a sine and a square wave) seen through a 2×2 mixing
 * const mixed = Array.from({ length: 500 }, (_, k) => {
 *   const a = Math.sin(k / 7), b = Math.sign(Math.sin(k / 3));
 *   return [a + 0.5 * b, 0.3 * a + b];
 * });
 * const r = fastIca(mixed, { components: 2, seed: 0 });
 * r.sources.length; // T * 2
 * ```
 */
export function fastIca(x: Series | ArrayLike<number>[], o: IcaOptions = {}): IcaResult {
  const s = asSeries(x, 'fastIca');
  const { t: T, n: N } = s;
  const C = o.components ?? N;
  if (!(Number.isInteger(C) && C >= 1 && C <= N)) throw new Error(`fastIca: components=${C}; expected 1..${N}`);
  const X = new Matrix(N, T); // features × samples, centred
  const mean = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < T; k++) mean[i] += s.data[k * N + i] / T;
    for (let k = 0; k < T; k++) X.set(i, k, s.data[k * N + i] - mean[i]);
  }
  // whitening: eigen-decomposition of X Xᵀ, largest first
  const e = new EigenvalueDecomposition(X.mmul(X.transpose()), { assumeSymmetric: true });
  const ev = e.realEigenvalues, U = e.eigenvectorMatrix;
  const order = ev.map((_, k) => k).sort((p, q) => ev[q] - ev[p]).slice(0, C);
  const K = new Matrix(C, N);
  order.forEach((k, r) => {
    const d = Math.sqrt(Math.max(ev[k], 1e-300));
    for (let i = 0; i < N; i++) K.set(r, i, U.get(i, k) / d);
  });
  const X1 = K.mmul(X).mul(Math.sqrt(T));
  let W: Matrix;
  if (o.wInit) {
    if (o.wInit.length !== C * C) throw new Error(`fastIca: wInit has ${o.wInit.length} values; expected ${C}×${C}`);
    W = new Matrix(C, C);
    for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) W.set(i, j, o.wInit[i * C + j]);
  } else {
    const r = seededNormal(o.seed ?? 0);
    W = new Matrix(C, C);
    for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) W.set(i, j, r());
  }
  W = symDecorrelate(W);
  const maxIter = o.maxIter ?? 200, tol = o.tol ?? 1e-4;
  let it = 0;
  for (; it < maxIter; it++) {
    const WX = W.mmul(X1);
    const G = new Matrix(C, T), gp = new Float64Array(C);
    for (let i = 0; i < C; i++) {
      for (let k = 0; k < T; k++) {
        const th = Math.tanh(WX.get(i, k));
        G.set(i, k, th);
        gp[i] += (1 - th * th) / T;
      }
    }
    const W1 = G.mmul(X1.transpose()).div(T);
    for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) W1.set(i, j, W1.get(i, j) - gp[i] * W.get(i, j));
    const Wn = symDecorrelate(W1);
    let lim = 0;
    const P = Wn.mmul(W.transpose());
    for (let i = 0; i < C; i++) lim = Math.max(lim, Math.abs(Math.abs(P.get(i, i)) - 1));
    W = Wn;
    if (lim < tol) { it++; break; }
  }
  const unmix = W.mmul(K); // applied to centred data; then unit variance
  const S = unmix.mmul(X);
  const sources = new Float64Array(T * C);
  const unmixing = new Float64Array(C * N);
  for (let i = 0; i < C; i++) {
    let v = 0;
    for (let k = 0; k < T; k++) v += S.get(i, k) ** 2;
    const sd = Math.sqrt(v / T);
    for (let k = 0; k < T; k++) sources[k * C + i] = S.get(i, k) / sd;
    for (let j = 0; j < N; j++) unmixing[i * N + j] = unmix.get(i, j) / sd;
  }
  const A = pseudoInverse(new Matrix(Array.from({ length: C }, (_, i) => Array.from(unmixing.subarray(i * N, (i + 1) * N)))));
  const mixing = new Float64Array(N * C);
  for (let i = 0; i < N; i++) for (let j = 0; j < C; j++) mixing[i * C + j] = A.get(i, j);
  return { sources, unmixing, mixing, components: C, iterations: it };
}
