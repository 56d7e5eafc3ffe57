/**
 * A correctly rounded natural logarithm.
 *
 * Why this exists: numpy's legacy normals compute sqrt(-2 ln r² / r²) with the C library's `log`, and
 * glibc's `log` returns the correctly rounded result (checked against arbitrary precision on the fixture
 * streams). V8's `Math.log` is a faithful (< 1 ulp) port of fdlibm and disagrees in the last bit for a few
 * percent of inputs, which would make roughly one normal pair in thirty differ from numpy. Rounding the
 * exact logarithm correctly reproduces glibc without copying its tables.
 *
 * Method (Ziv-style two phases):
 *  1. Fast phase, error ≤ 2^-73 absolute (≤ 2^-64 relative near 1): x = 2^k·m, m ∈ [1, 2) is reduced
 *     by a 128-entry table, ln x = k·ln2 + ln c_j + log1p(t) with |t| ≤ 2^-8, carried in double-double
 *     for the leading terms and plain doubles for the small tail. Inputs within 2^-7 of 1 use
 *     log1p(x − 1) directly (x − 1 is exact there), avoiding cancellation.
 *     If the approximation is farther than its error bound from a rounding boundary, its rounding is
 *     the correctly rounded logarithm.
 *  2. Otherwise (about one input in a few thousand) a slow phase evaluates 2·atanh((m−1)/(m+1)) fully
 *     in double-double (≈ 2^-100 relative), whose rounding is final.
 * Double-double arithmetic uses Dekker/Knuth error-free transforms (JS has no fused multiply-add).
 */

// Views for reading and writing the bits of a double (little-endian: word 1 holds sign and exponent).
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** 2^27 + 1, Dekker's splitting constant for 53-bit doubles. */
const SPLITTER = 134217729;
/** ln 2 as a double-double: LN2_HI is the double nearest ln 2, LN2_LO the remainder. */
const LN2_HI = 0.6931471805599453;
const LN2_LO = 2.3190468138462996e-17;
/**
 * ln 2 again as A + B + LN2_LO with A holding only the top 41 bits of LN2_HI and B the next 12, so that
 * k·A and k·B are exact for any exponent k (|k| < 2^11) without a Dekker product in the hot path.
 */
const LN2_A = Math.floor(LN2_HI * 2 ** 41) / 2 ** 41;
const LN2_B = LN2_HI - LN2_A;

// Outputs of the error-free transforms (module-level to avoid allocating a pair per call).
let rh = 0;
let rl = 0;

/** rh + rl = a·b exactly (Dekker). */
function twoProd(a: number, b: number): void {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  rh = p;
  rl = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/** rh + rl = a + b exactly, any magnitudes (Knuth). */
function twoSum(a: number, b: number): void {
  const s = a + b;
  const bb = s - a;
  rh = s;
  rl = (a - (s - bb)) + (b - bb);
}

/** rh + rl = a + b exactly, given |a| ≥ |b| or a = 0 (Dekker). */
function fastTwoSum(a: number, b: number): void {
  const s = a + b;
  rh = s;
  rl = b - (s - a);
}

// ---------------------------------------------------------------------------------------------------
// Slow phase: ln x in double-double, ≈ 2^-100 relative.

/** Double-double 1/(2n+1), n = 0..SERIES_TERMS-1, for the atanh series. */
const SERIES_TERMS = 24;
const RECIP_HI = new Float64Array(SERIES_TERMS);
const RECIP_LO = new Float64Array(SERIES_TERMS);
for (let n = 0; n < SERIES_TERMS; n++) {
  const d = 2 * n + 1;
  const q = 1 / d;
  twoProd(q, d);
  // 1 − q·d is exact in double-double; dividing it by d gives the correction to ~2^-106.
  RECIP_HI[n] = q;
  RECIP_LO[n] = ((1 - rh) - rl) / d;
}

/**
 * ln x for finite x > 0 as a double-double (result in rh, rl), via
 * ln x = k·ln 2 + 2·atanh(s), s = (m − 1)/(m + 1), m ∈ [√½, √2): |s| ≤ 0.172, so 24 terms of
 * Σ s^(2n)/(2n+1) reach far below 2^-106.
 */
function slowLogDD(x: number): void {
  let k = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984; // 2^54: make subnormals normal
    k = -54;
  }
  F64[0] = x;
  const hw = U32[HI];
  k += ((hw >>> 20) & 0x7ff) - 1023;
  U32[HI] = (hw & 0x000fffff) | 0x3ff00000;
  let m = F64[0];
  if (m > Math.SQRT2) {
    m *= 0.5;
    k += 1;
  }
  // s = (m − 1)/(m + 1): the numerator is exact (Sterbenz), the denominator kept exact as a pair.
  const num = m - 1;
  twoSum(m, 1);
  const dh = rh, dl = rl;
  const q1 = num / dh;
  twoProd(q1, dh);
  const q2 = (((num - rh) - rl) - q1 * dl) / dh;
  fastTwoSum(q1, q2);
  const sh = rh, sl = rl;
  // z = s² in double-double.
  twoProd(sh, sh);
  fastTwoSum(rh, rl + 2 * sh * sl);
  const zh = rh, zl = rl;
  // Horner: acc = Σ z^n/(2n+1).
  let ah = RECIP_HI[SERIES_TERMS - 1], al = RECIP_LO[SERIES_TERMS - 1];
  for (let n = SERIES_TERMS - 2; n >= 0; n--) {
    // acc·z
    twoProd(ah, zh);
    const pl = rl + (ah * zl + al * zh);
    fastTwoSum(rh, pl);
    // + 1/(2n+1)   (acc·z < 1/(2n+1) since z < 0.03)
    const ph = rh, pl2 = rl;
    twoSum(RECIP_HI[n], ph);
    fastTwoSum(rh, rl + pl2 + RECIP_LO[n]);
    ah = rh;
    al = rl;
  }
  // ln m = 2·s·acc
  twoProd(sh, ah);
  fastTwoSum(rh, rl + (sh * al + sl * ah));
  const lh = 2 * rh, ll = 2 * rl;
  // + k·ln 2
  twoProd(k, LN2_HI);
  const kh = rh, kl = rl + k * LN2_LO;
  twoSum(kh, lh);
  fastTwoSum(rh, rl + kl + ll);
}

// ---------------------------------------------------------------------------------------------------
// Fast phase tables: c_j = 1 + (j + ½)/128 is represented by INVC[j] ≈ 1/c_j (a double); the table
// holds −ln INVC[j] exactly enough (double-double from the slow phase), so m·INVC[j] − 1 needs no
// error term for the choice of c_j.

const TABLE_BITS = 7;
const TABLE_SIZE = 1 << TABLE_BITS;
const INVC = new Float64Array(TABLE_SIZE);
const LOGC_HI = new Float64Array(TABLE_SIZE);
const LOGC_LO = new Float64Array(TABLE_SIZE);
for (let j = 0; j < TABLE_SIZE; j++) {
  const invc = 1 / (1 + (j + 0.5) / TABLE_SIZE);
  INVC[j] = invc;
  slowLogDD(invc);
  LOGC_HI[j] = -rh;
  LOGC_LO[j] = -rl;
}

/** Error bound of the fast phase away from 1 (absolute; results there satisfy |ln x| ≥ 2^-7). */
const FAST_ERR = 2 ** -73;
/** Relative error bound of the fast phase near 1. */
const NEAR1_ERR = 2 ** -64;
const NEAR1 = 2 ** -7;

/**
 * True when `approx` (already rounded to `y`, with y + e = approx exactly) cannot round differently
 * from any value within `err` of it: the distance to the nearest rounding boundary exceeds err.
 */
function roundingIsSafe(y: number, e: number, err: number): boolean {
  F64[0] = y;
  const hw = U32[HI];
  const ey = (hw >>> 20) & 0x7ff;
  if (ey <= 53) return false; // |y| < 2^-969: not reached by the fast phase's inputs; be safe
  const mantissaZero = (hw & 0x000fffff) === 0 && U32[LO] === 0;
  U32[HI] = (ey - 52) << 20;
  U32[LO] = 0;
  const ulp = F64[0];
  // At a power of two the spacing below is half the spacing above: take the smaller half-gap.
  const half = mantissaZero ? ulp * 0.25 : ulp * 0.5;
  return half - Math.abs(e) > err;
}

/** Correctly rounded ln x (round to nearest, ties to even). */
export function logCR(x: number): number {
  if (!(x > 0) || x === Infinity || x < 2.2250738585072014e-308) {
    if (x === 0) return -Infinity;
    if (x < 0 || x !== x) return NaN;
    if (x === Infinity) return Infinity;
    return slowLog(x); // subnormal
  }
  if (x > 1 - NEAR1 && x < 1 + NEAR1) return logNear1(x);
  // The error-free transforms are written out inline here: this is the hot path of every normal pair,
  // and V8 optimises plain locals far better than results passed through module-level variables.
  // x = 2^k·m, m ∈ [1, 2); j = top 7 mantissa bits.
  F64[0] = x;
  const hw = U32[HI];
  const k = ((hw >>> 20) & 0x7ff) - 1023;
  const j = (hw >>> (20 - TABLE_BITS)) & (TABLE_SIZE - 1);
  U32[HI] = (hw & 0x000fffff) | 0x3ff00000;
  const m = F64[0];
  // t = m·invc − 1 exactly as th + tl: Dekker product of m and invc, then subtracting 1 is exact.
  const invc = INVC[j];
  let c = SPLITTER * m;
  const mh = c - (c - m), ml = m - mh;
  c = SPLITTER * invc;
  const ih = c - (c - invc), il = invc - ih;
  const pr = m * invc;
  const tl = ((mh * ih - pr) + mh * il + ml * ih) + ml * il;
  const th = pr - 1;
  // log1p(t) = t − t²/2 + t³·P(t), |t| ≤ 2^-8; t² exactly as a pair (Dekker square).
  c = SPLITTER * th;
  const hh = c - (c - th), hl = th - hh;
  const sq = th * th;
  const sqe = ((hh * hh - sq) + 2 * hh * hl) + hl * hl;
  const qh = -0.5 * sq;
  const ql = -0.5 * sqe - th * tl;
  const p = 1 / 3 + th * (-1 / 4 + th * (1 / 5 + th * (-1 / 6 + th * (1 / 7 + th * (-1 / 8 + th * (1 / 9 + th * (-1 / 10)))))));
  // t³·P(t) from the head of t, plus the first-order effect of tl on t³/3 (2^-69: too big to drop).
  const tail = th * th * (th * p + tl);
  // k·ln2 (k·LN2_A and k·LN2_B exact) + ln c_j, then + th, then + qh, each by two-sum.
  const kh = k * LN2_A;
  const kl = k * LN2_B + k * LN2_LO;
  const a = LOGC_HI[j];
  let s = kh + a;
  let bb = s - kh;
  let lo = (kh - (s - bb)) + (a - bb) + kl + LOGC_LO[j];
  let s2 = s + th;
  bb = s2 - s;
  lo += (s - (s2 - bb)) + (th - bb);
  s = s2 + qh;
  bb = s - s2;
  lo += (s2 - (s - bb)) + (qh - bb) + tl + ql + tail;
  const y = s + lo;
  const e = lo - (y - s);
  if (roundingIsSafe(y, e, FAST_ERR)) return y;
  return slowLog(x);
}

/** ln x for |x − 1| < 2^-7: log1p(u) = u − u²/2 + u³·(1/3 − u/4 + … − u^8/11) with u = x − 1 exact. */
function logNear1(x: number): number {
  if (x === 1) return 0;
  const u = x - 1;
  twoProd(u, u);
  const qh = -0.5 * rh, ql = -0.5 * rl;
  const p = 1 / 3 + u * (-1 / 4 + u * (1 / 5 + u * (-1 / 6 + u * (1 / 7 + u * (-1 / 8 + u * (1 / 9 + u * (-1 / 10 + u * (1 / 11))))))));
  twoSum(u, qh);
  const sh = rh;
  const lo = rl + ql + u * u * u * p;
  const y = sh + lo;
  const e = lo - (y - sh);
  if (roundingIsSafe(y, e, Math.abs(u) * NEAR1_ERR)) return y;
  return slowLog(x);
}

/** The slow phase rounded to a double (its double-double head is already the rounded sum). */
function slowLog(x: number): number {
  slowLogDD(x);
  return rh;
}

/** ln x as a double-double from the slow phase (exposed for tests): [hi, lo]. */
export function logDD(x: number): [number, number] {
  slowLogDD(x);
  return [rh, rl];
}
