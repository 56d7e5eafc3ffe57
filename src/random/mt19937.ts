/**
 * The Mersenne Twister MT19937 core (Matsumoto & Nishimura 1998), seeded the way numpy's legacy
 * `RandomState(int)` seeds it, so that every 32-bit word matches numpy's stream.
 *
 * The state is kept in an Int32Array rather than a Uint32Array: V8 keeps int32 values in registers
 * (no boxing to doubles above 2^31), and `>>>` reinterprets them as unsigned wherever that matters.
 */

/** Words of state. */
export const MT_N = 624;
/** Offset of the word mixed in by the recurrence. */
const MT_M = 397;
/** Twist matrix's last row (the constant a of the recurrence). */
const MATRIX_A = 0x9908b0df | 0;
const UPPER_MASK = 0x80000000 | 0;
const LOWER_MASK = 0x7fffffff;

/**
 * Fill `key` from a 32-bit seed by the linear recurrence x[i] = 1812433253 * (x[i-1] ^ (x[i-1] >>> 30)) + i
 * (mod 2^32). numpy's `RandomState(seed)` uses exactly this for integer seeds in [0, 2^32).
 */
export function seedKey(key: Int32Array, seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 2^32 - 1], got ${seed}`);
  }
  let x = seed | 0;
  key[0] = x;
  for (let i = 1; i < MT_N; i++) {
    x = (Math.imul(1812433253, x ^ (x >>> 30)) + i) | 0;
    key[i] = x;
  }
}

/**
 * Regenerate all 624 words in place (the "twist"). Each new word combines the top bit of one word with
 * the low 31 bits of the next, shifts right by one, conditionally XORs in MATRIX_A, and XORs with the word
 * M places ahead (wrapping around the ring).
 */
export function twist(mt: Int32Array): void {
  let kk = 0;
  let y: number;
  for (; kk < MT_N - MT_M; kk++) {
    y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
    mt[kk] = mt[kk + MT_M] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
  }
  for (; kk < MT_N - 1; kk++) {
    y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
    mt[kk] = mt[kk + (MT_M - MT_N)] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
  }
  y = (mt[MT_N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
  mt[MT_N - 1] = mt[MT_M - 1] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
}

/**
 * Tempering: an invertible bit mix applied to each raw state word on output, improving the
 * equidistribution of the low bits. Returns an int32; use `>>> 0` for the unsigned value.
 */
export function temper(y: number): number {
  y ^= y >>> 11;
  y ^= (y << 7) & 0x9d2c5680;
  y ^= (y << 15) & (0xefc60000 | 0);
  y ^= y >>> 18;
  return y;
}
