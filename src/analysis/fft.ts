/**
 * Discrete Fourier transform of real series of any length. Power-of-two lengths go straight to
 * fft.js (a well-kept radix-4 FFT); other lengths use Bluestein's chirp-z identity on top of it,
 * so every length costs O(n log n) and numpy's/scipy's frequency grids (k·fs/n) are kept exactly
 * instead of being changed by zero-padding.
 */
import FFT from 'fft.js';

const plans = new Map<number, FFT>();
function plan(n: number): FFT {
  let p = plans.get(n);
  if (!p) {
    p = new FFT(n);
    plans.set(n, p);
    if (plans.size > 32) plans.delete(plans.keys().next().value as number);
  }
  return p;
}

const isPow2 = (n: number) => n >= 2 && (n & (n - 1)) === 0;

/**
 * One-sided DFT X_k = Σ_t x_t e^{−2πi k t / n}, k = 0 … floor(n/2), of a real sequence.
 *
 * @example
 * ```ts
 * const { re, im } = rfft([1, 0, -1, 0]); // re = [0, 2, 0], im = [0, 0, 0]
 * ```
 */
export function rfft(x: ArrayLike<number>): { re: Float64Array; im: Float64Array } {
  const n = x.length;
  if (n < 1) throw new Error('rfft: empty input');
  const nb = Math.floor(n / 2) + 1;
  const re = new Float64Array(nb), im = new Float64Array(nb);
  if (n === 1) { re[0] = x[0]; return { re, im }; }
  if (isPow2(n)) {
    const f = plan(n);
    const out = f.createComplexArray() as number[];
    f.realTransform(out, Array.from(x));
    for (let k = 0; k < nb; k++) { re[k] = out[2 * k]; im[k] = out[2 * k + 1]; }
    return { re, im };
  }
  // Bluestein: X_k = conj(w_k) · Σ_t (x_t conj(w_t)) w_{k−t}, with w_j = e^{iπ j²/n}
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const f = plan(m);
  const wr = new Float64Array(n), wi = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const a = (Math.PI * ((j * j) % (2 * n))) / n; // j² mod 2n keeps the angle exact for large j
    wr[j] = Math.cos(a); wi[j] = Math.sin(a);
  }
  const A = new Array<number>(2 * m).fill(0), Bv = new Array<number>(2 * m).fill(0);
  for (let t = 0; t < n; t++) { A[2 * t] = x[t] * wr[t]; A[2 * t + 1] = -x[t] * wi[t]; }
  Bv[0] = wr[0]; Bv[1] = wi[0];
  for (let j = 1; j < n; j++) {
    Bv[2 * j] = wr[j]; Bv[2 * j + 1] = wi[j];
    Bv[2 * (m - j)] = wr[j]; Bv[2 * (m - j) + 1] = wi[j];
  }
  const FA = f.createComplexArray() as number[], FB = f.createComplexArray() as number[];
  f.transform(FA, A);
  f.transform(FB, Bv);
  for (let k = 0; k < m; k++) {
    const ar = FA[2 * k], ai = FA[2 * k + 1], br = FB[2 * k], bi = FB[2 * k + 1];
    A[2 * k] = ar * br - ai * bi;
    A[2 * k + 1] = ar * bi + ai * br;
  }
  const conv = f.createComplexArray() as number[];
  f.inverseTransform(conv, A);
  for (let k = 0; k < nb; k++) {
    const cr = conv[2 * k], ci = conv[2 * k + 1];
    re[k] = cr * wr[k] + ci * wi[k];
    im[k] = ci * wr[k] - cr * wi[k];
  }
  return { re, im };
}

/** Frequencies k·fs/n of the one-sided bins (numpy's rfftfreq). */
export function rfftFreq(n: number, fs: number): Float64Array {
  return Float64Array.from({ length: Math.floor(n / 2) + 1 }, (_, k) => (k * fs) / n);
}
