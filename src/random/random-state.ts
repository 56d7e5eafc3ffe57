/**
 * A seeded generator that reproduces numpy's legacy `numpy.random.RandomState(seed)` bit for bit:
 * same MT19937 words, same 53-bit doubles, same polar Box–Muller normals (including which of the pair
 * is returned first and the cached second value). TVB draws its integration noise from
 * `RandomState(42)` by default, so this is what lets vbt replay TVB's stochastic runs.
 *
 * One caveat, by construction: numpy takes ln r² from the C library. We use a correctly rounded log
 * (see exact-log.ts); glibc's log is almost always correctly rounded but not always (about 1 pair in
 * 1300 of the polar method's inputs, e.g. normals 76 and 77 of seed 42), and there the two normals of
 * that pair differ from numpy's by 1 ulp. Uniform draws and everything else are bit-identical.
 */
import { logCR } from './exact-log.js';
import { MT_N, seedKey, temper, twist } from './mt19937.js';

/** 2^26, the weight of the high 27-bit half of a 53-bit double. */
const TWO_26 = 67108864;
/** 2^53, the denominator mapping a 53-bit integer into [0, 1). */
const TWO_53 = 9007199254740992;

/**
 * A snapshot of the generator, laid out like numpy's `RandomState.get_state()` tuple
 * ('MT19937', key, pos, has_gauss, cached_gaussian) so states can be exchanged with Python.
 */
export interface RandomStateSnapshot {
  algorithm: 'MT19937';
  /** The 624 state words as unsigned 32-bit integers. */
  key: number[];
  /** Index of the next word to hand out; 624 means "twist before the next draw". */
  pos: number;
  /** Whether a second normal from the last Box–Muller pair is waiting. */
  hasGauss: boolean;
  /** That waiting normal (0 when hasGauss is false). */
  gauss: number;
}

export class RandomState {
  private readonly mt = new Int32Array(MT_N);
  private pos = MT_N;
  private hasGauss = false;
  private gauss = 0;
  private pairA = 0;
  private pairB = 0;

  /** `new RandomState(42)` ≡ `numpy.random.RandomState(42)`. */
  constructor(seed: number) {
    this.seed(seed);
  }

  /** Reseed in place, as numpy's `RandomState.seed(int)`: also drops any cached normal. */
  seed(seed: number): void {
    seedKey(this.mt, seed);
    this.pos = MT_N;
    this.hasGauss = false;
    this.gauss = 0;
  }

  /** Next tempered 32-bit word as an int32 (internal: avoids boxing values ≥ 2^31). */
  private nextInt32(): number {
    if (this.pos >= MT_N) {
      twist(this.mt);
      this.pos = 0;
    }
    return temper(this.mt[this.pos++]);
  }

  /** Next raw 32-bit output as an unsigned integer (numpy: `randint` building block, `tomaxint` etc.). */
  nextUint32(): number {
    return this.nextInt32() >>> 0;
  }

  /**
   * Uniform double in [0, 1) with 53 random bits: the top 27 bits of one word and the top 26 of the
   * next, combined as (a·2^26 + b) / 2^53 — numpy's `random_sample`.
   */
  randomSample(): number {
    const a = this.nextInt32() >>> 5;
    const b = this.nextInt32() >>> 6;
    return (a * TWO_26 + b) / TWO_53;
  }

  /**
   * Standard normal by the Marsaglia polar method, numpy-legacy flavour: draw (x1, x2) uniformly in the
   * square [-1, 1)², reject until 0 < r² < 1, return f·x2 now and keep f·x1 for the next call, where
   * f = sqrt(-2 ln r² / r²). Reseeding or setState clears the cached value.
   */
  standardNormal(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      const g = this.gauss;
      this.gauss = 0;
      return g;
    }
    this.drawPair();
    this.gauss = this.pairB;
    this.hasGauss = true;
    return this.pairA;
  }

  /**
   * One accepted point of numpy's polar method: pairA = f·x2 (handed out first), pairB = f·x1
   * (numpy's cached partner). Shared by the scalar and bulk paths so their sequences cannot drift.
   */
  private drawPair(): void {
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2.0 * this.randomSample() - 1.0;
      x2 = 2.0 * this.randomSample() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 === 0.0);
    const f = Math.sqrt((-2.0 * logCR(r2)) / r2);
    this.pairA = f * x2;
    this.pairB = f * x1;
  }

  /** loc + scale·N(0,1), as numpy's `normal` (which rejects a negative scale). */
  normal(loc = 0, scale = 1): number {
    checkScale(scale);
    return loc + scale * this.standardNormal();
  }

  /** lo + (hi − lo)·U[0,1), as numpy's `uniform` (the width is computed once, then scaled). */
  uniform(lo = 0, hi = 1): number {
    const range = checkRange(lo, hi);
    return lo + range * this.randomSample();
  }

  /** Fill `out` with uniform [0, 1) doubles; same sequence as calling randomSample() out.length times. */
  fillRandomSample(out: Float64Array): Float64Array {
    return this.fillUniformAt(out, 0, out.length, 0, 1);
  }

  /** Advance the stream past `count` uniform doubles (2·count words) without computing them. */
  skipUniform(count: number): void {
    let need = 2 * count;
    while (need > 0) {
      if (this.pos >= MT_N) { twist(this.mt); this.pos = 0; }
      const take = Math.min(need, MT_N - this.pos);
      this.pos += take;
      need -= take;
    }
  }

  /**
   * out[off … off+count) = uniform(lo, hi), the same stream as `count` calls of uniform(): the
   * generator loop is inlined here because large initial histories draw millions of values.
   */
  fillUniformAt(out: Float64Array, off: number, count: number, lo = 0, hi = 1): Float64Array {
    const range = checkRange(lo, hi);
    const mt = this.mt;
    let pos = this.pos;
    for (let i = 0; i < count; i++) {
      if (pos >= MT_N) { twist(mt); pos = 0; }
      const a = temper(mt[pos++]) >>> 5;
      if (pos >= MT_N) { twist(mt); pos = 0; }
      const b = temper(mt[pos++]) >>> 6;
      out[off + i] = lo + range * ((a * TWO_26 + b) / TWO_53);
    }
    this.pos = pos;
    return out;
  }

  /** Fill `out` with standard normals; same sequence (and cache behaviour) as repeated standardNormal(). */
  fillStandardNormal(out: Float64Array): Float64Array {
    const n = out.length;
    let i = 0;
    if (n > 0 && this.hasGauss) out[i++] = this.standardNormal();
    // Pairs: the polar method yields two normals per accepted point, f·x2 first, then f·x1.
    for (; i + 1 < n; i += 2) {
      this.drawPair();
      out[i] = this.pairA;
      out[i + 1] = this.pairB;
    }
    // An odd tail leaves the partner cached, exactly as the scalar path would.
    if (i < n) out[i] = this.standardNormal();
    return out;
  }

  /** Fill `out` with loc + scale·N(0,1). */
  fillNormal(out: Float64Array, loc = 0, scale = 1): Float64Array {
    checkScale(scale);
    this.fillStandardNormal(out);
    for (let i = 0; i < out.length; i++) out[i] = loc + scale * out[i];
    return out;
  }

  /** Fill `out` with uniform doubles in [lo, hi). */
  fillUniform(out: Float64Array, lo = 0, hi = 1): Float64Array {
    return this.fillUniformAt(out, 0, out.length, lo, hi);
  }

  /** Snapshot for checkpointing; JSON-serialisable and shaped like numpy's get_state(). */
  getState(): RandomStateSnapshot {
    return {
      algorithm: 'MT19937',
      key: Array.from(this.mt, (w) => w >>> 0),
      pos: this.pos,
      hasGauss: this.hasGauss,
      gauss: this.hasGauss ? this.gauss : 0,
    };
  }

  /** Restore a snapshot from getState() (or from numpy's get_state() fields). */
  setState(s: RandomStateSnapshot): void {
    if (s.algorithm !== 'MT19937') throw new Error(`setState: algorithm must be 'MT19937', got ${JSON.stringify(s.algorithm)}`);
    if (!s.key || s.key.length !== MT_N) {
      throw new Error(`setState: key must have ${MT_N} words, got ${s.key ? s.key.length : 'none'}`);
    }
    if (!Number.isInteger(s.pos) || s.pos < 0 || s.pos > MT_N) {
      throw new Error(`setState: pos must be an integer in [0, ${MT_N}], got ${s.pos}`);
    }
    for (let i = 0; i < MT_N; i++) {
      const w = s.key[i];
      if (!Number.isInteger(w) || w < 0 || w > 0xffffffff) throw new Error(`setState: key[${i}] must be a uint32, got ${w}`);
      this.mt[i] = w | 0;
    }
    this.pos = s.pos;
    this.hasGauss = Boolean(s.hasGauss);
    this.gauss = this.hasGauss ? Number(s.gauss) : 0;
  }
}

function checkScale(scale: number): void {
  if (!(scale >= 0)) throw new RangeError(`normal: scale must be >= 0, got ${scale}`);
}

/** numpy refuses bounds whose width overflows; so do we (and NaN bounds likewise). */
function checkRange(lo: number, hi: number): number {
  const range = hi - lo;
  if (!Number.isFinite(range)) throw new RangeError(`uniform: hi - lo must be finite, got hi=${hi}, lo=${lo}`);
  return range;
}
