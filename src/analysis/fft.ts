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
 * import { rfft } from 'vbt';
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
  // other lengths: the complex transform (Bluestein) of x + 0i, one-sided half kept
  const fr = Float64Array.from(x), fi = new Float64Array(n);
  fftComplex(fr, fi);
  re.set(fr.subarray(0, nb));
  im.set(fi.subarray(0, nb));
  return { re, im };
}

/**
 * Frequencies k·fs/n of the one-sided bins (numpy's rfftfreq).
 *
 * @example
 * ```ts
 * import { rfftFreq } from 'vbt';
 * rfftFreq(4, 100); // [0, 25, 50]
 * ```
 */
export function rfftFreq(n: number, fs: number): Float64Array {
  return Float64Array.from({ length: Math.floor(n / 2) + 1 }, (_, k) => (k * fs) / n);
}

/**
 * Complex DFT of any length, in place on (re, im): X_k = Σ_t x_t e^{∓2πi k t / n} (− forward,
 * + inverse, the inverse divided by n). Power-of-two lengths go to fft.js, others via Bluestein.
 *
 * @example
 * ```ts
 * import { fftComplex } from 'vbt';
 * const re = Float64Array.of(1, 0, 0), im = new Float64Array(3);
 * fftComplex(re, im); // re = [1, 1, 1], im = [0, 0, 0]
 * ```
 */
export function fftComplex(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (im.length !== n) throw new Error(`fftComplex: re has ${n} values and im ${im.length}; expected equal lengths`);
  if (n <= 1) return;
  const sign = inverse ? 1 : -1;
  if (isPow2(n)) {
    const f = plan(n);
    const data = new Array<number>(2 * n), out = f.createComplexArray() as number[];
    for (let k = 0; k < n; k++) { data[2 * k] = re[k]; data[2 * k + 1] = im[k]; }
    if (inverse) f.inverseTransform(out, data); else f.transform(out, data);
    for (let k = 0; k < n; k++) { re[k] = out[2 * k]; im[k] = out[2 * k + 1]; }
    return;
  }
  // Bluestein with chirp c_j = e^{sign·iπ j²/n} = wr − i·wi: X_k = c_k Σ_t (x_t c_t) conj(c_{k−t})
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const f = plan(m);
  const wr = new Float64Array(n), wi = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const a = (Math.PI * ((j * j) % (2 * n))) / n;
    wr[j] = Math.cos(a); wi[j] = -sign * Math.sin(a);
  }
  const A = new Array<number>(2 * m).fill(0), Bv = new Array<number>(2 * m).fill(0);
  for (let t = 0; t < n; t++) {
    // x_t · c_t
    A[2 * t] = re[t] * wr[t] + im[t] * wi[t];
    A[2 * t + 1] = im[t] * wr[t] - re[t] * wi[t];
  }
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
  const scale = inverse ? 1 / n : 1;
  for (let k = 0; k < n; k++) {
    const cr = conv[2 * k], ci = conv[2 * k + 1];
    re[k] = (cr * wr[k] + ci * wi[k]) * scale;
    im[k] = (ci * wr[k] - cr * wi[k]) * scale;
  }
}

/**
 * Analytic signal x + i·H[x] of a real sequence (FFT method, as scipy.signal.hilbert): the
 * positive frequencies doubled, the negative ones zeroed. Returns the imaginary part H[x].
 *
 * @example
 * ```ts
 * import { hilbert } from 'vbt';
 * hilbert(Array.from({ length: 8 }, (_, t) => Math.cos(Math.PI * t / 2))); // ≈ sin(π t / 2)
 * ```
 */
export function hilbert(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const re = Float64Array.from(x), im = new Float64Array(n);
  fftComplex(re, im);
  const h = new Float64Array(n);
  h[0] = 1;
  if (n % 2 === 0) { h[n / 2] = 1; for (let k = 1; k < n / 2; k++) h[k] = 2; } else for (let k = 1; k < (n + 1) / 2; k++) h[k] = 2;
  for (let k = 0; k < n; k++) { re[k] *= h[k]; im[k] *= h[k]; }
  fftComplex(re, im, true);
  return im;
}
