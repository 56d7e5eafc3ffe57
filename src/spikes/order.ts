/**
 * Stable orderings of spike arrays in linear time: an LSD radix sort on the bits of float64 times
 * (mapped so that unsigned integer order is numeric order) and a counting sort on node ids. A
 * comparator sort of 10 million indices takes seconds; these take a few passes over the data.
 */

/**
 * Indices that put `t` in ascending order, ties in input order (stable). NaN is not expected
 * (spike files are checked to be finite).
 *
 * @example
 * ```ts
 * import { timeOrder } from './order.js';
 * Array.from(timeOrder(new Float64Array([3, -1, 3, 0]))); // [1, 3, 0, 2]
 * ```
 */
export function timeOrder(t: Float64Array): Uint32Array {
  const n = t.length;
  // Sortable keys: for x ≥ 0 flip the sign bit, for x < 0 flip all bits (−0 is mapped to +0's key).
  const src = new Uint32Array(t.buffer, t.byteOffset, 2 * n);
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = src[2 * i + 1];
    if (t[i] === 0) {
      hi[i] = 0x80000000;
      lo[i] = 0;
    } else if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~src[2 * i] >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = src[2 * i];
    }
  }
  let idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  // 6 LSD passes of 11, 11, 10 bits per word: keys travel with the indices so every read is
  // sequential, and 2048 buckets keep the scattered writes cache-friendly.
  const digits: [number, number, number][] = [[0, 0, 11], [0, 11, 11], [0, 22, 10], [1, 0, 11], [1, 11, 11], [1, 22, 10]];
  const hist = digits.map(() => new Uint32Array(2049));
  const [h0, h1, h2, h3, h4, h5] = hist;
  for (let i = 0; i < n; i++) {
    const a = lo[i];
    const b = hi[i];
    h0[(a & 2047) + 1]++;
    h1[((a >>> 11) & 2047) + 1]++;
    h2[(a >>> 22) + 1]++;
    h3[(b & 2047) + 1]++;
    h4[((b >>> 11) & 2047) + 1]++;
    h5[(b >>> 22) + 1]++;
  }
  let lo2 = new Uint32Array(n);
  let hi2 = new Uint32Array(n);
  let idx2 = new Uint32Array(n);
  for (let p = 0; p < 6; p++) {
    const [w, sh, bits] = digits[p];
    const c = hist[p];
    if (c.some((x) => x === n)) continue; // one bucket holds everything: nothing moves
    for (let d = 0; d < 2048; d++) c[d + 1] += c[d];
    const mask = (1 << bits) - 1;
    const key = w ? hi : lo;
    for (let i = 0; i < n; i++) {
      const k = c[(key[i] >>> sh) & mask]++;
      lo2[k] = lo[i];
      hi2[k] = hi[i];
      idx2[k] = idx[i];
    }
    [lo, lo2] = [lo2, lo];
    [hi, hi2] = [hi2, hi];
    [idx, idx2] = [idx2, idx];
  }
  return idx;
}

/** Stable radix sort (2 × 16 bits) of a permutation by node id: ids ascending, ties keep the given order. */
export function byIdOrder(ids: Uint32Array, order: Uint32Array): Uint32Array {
  const n = order.length;
  let idx = order.slice();
  let key = new Uint32Array(n);
  for (let k = 0; k < n; k++) key[k] = ids[idx[k]]; // one gather; afterwards keys travel with indices
  let idx2 = new Uint32Array(n);
  let key2 = new Uint32Array(n);
  const count = new Uint32Array(65537);
  for (const shift of [0, 16]) {
    count.fill(0);
    for (let k = 0; k < n; k++) count[((key[k] >>> shift) & 0xffff) + 1]++;
    if (count.some((x) => x === n)) continue;
    for (let d = 0; d < 65536; d++) count[d + 1] += count[d];
    for (let k = 0; k < n; k++) {
      const j = count[(key[k] >>> shift) & 0xffff]++;
      idx2[j] = idx[k];
      key2[j] = key[k];
    }
    [idx, idx2] = [idx2, idx];
    [key, key2] = [key2, key];
  }
  return idx;
}
