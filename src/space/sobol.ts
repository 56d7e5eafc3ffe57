/**
 * Unscrambled Sobol' low-discrepancy points in [0, 1)^d (d ≤ 10), Gray-code order, 32-bit — the
 * same sequence as scipy.stats.qmc.Sobol(d, scramble=False), first point 0. No maintained npm
 * package for Sobol' sequences was found in the registry lists, so this small generator is ours.
 *
 * Direction numbers: Joe & Kuo (2008) primitive polynomials (degree s, coefficients a) and initial
 * m values for dimensions 2..10; dimension 1 is the van der Corput sequence.
 */
const JOE_KUO: ReadonlyArray<[number, number, number[]]> = [
  [1, 0, [1]],
  [2, 1, [1, 3]],
  [3, 1, [1, 3, 1]],
  [3, 2, [1, 1, 1]],
  [4, 1, [1, 1, 3, 3]],
  [4, 4, [1, 3, 5, 13]],
  [5, 2, [1, 1, 5, 5, 17]],
  [5, 4, [1, 1, 5, 5, 5]],
  [5, 7, [1, 1, 7, 11, 19]],
];

export const SOBOL_MAX_DIM = JOE_KUO.length + 1;
const BITS = 32;

function directions(dim: number): Uint32Array[] {
  const out: Uint32Array[] = [];
  const v0 = new Uint32Array(BITS);
  for (let k = 0; k < BITS; k++) v0[k] = (1 << (BITS - 1 - k)) >>> 0;
  out.push(v0);
  for (let d = 1; d < dim; d++) {
    const [s, a, m] = JOE_KUO[d - 1];
    const v = new Uint32Array(BITS);
    for (let k = 0; k < s; k++) v[k] = (m[k] << (BITS - 1 - k)) >>> 0;
    for (let k = s; k < BITS; k++) {
      let x = v[k - s] ^ (v[k - s] >>> s);
      for (let i = 1; i < s; i++) if ((a >>> (s - 1 - i)) & 1) x ^= v[k - i];
      v[k] = x >>> 0;
    }
    out.push(v);
  }
  return out;
}

/**
 * The first `n` Sobol' points (after skipping `skip`) in `dim` dimensions, as rows.
 *
 * @example
 * ```ts
 * import { sobolPoints } from 'vbt/algorithms';
 * sobolPoints(4, 2); // [[0, 0], [0.5, 0.5], [0.75, 0.25], [0.25, 0.75]]
 * ```
 */
export function sobolPoints(n: number, dim: number, skip = 0): number[][] {
  if (!Number.isInteger(dim) || dim < 1 || dim > SOBOL_MAX_DIM) throw new Error(`sobol: dim=${dim}; expected an integer 1..${SOBOL_MAX_DIM}`);
  if (!Number.isInteger(n) || n < 0) throw new Error(`sobol: n=${n}; expected a non-negative integer`);
  if (!Number.isInteger(skip) || skip < 0) throw new Error(`sobol: skip=${skip}; expected a non-negative integer`);
  const V = directions(dim);
  const x = new Uint32Array(dim);
  const out: number[][] = [];
  for (let i = 0; i < skip + n; i++) {
    if (i >= skip) out.push(Array.from(x, (xi) => xi / 2 ** BITS));
    // next point: flip the direction of the lowest zero bit of i
    let c = 0;
    while ((i >>> c) & 1) c++;
    if (c >= BITS) throw new Error('sobol: more than 2^32 points');
    for (let d = 0; d < dim; d++) x[d] = (x[d] ^ V[d][c]) >>> 0;
  }
  return out;
}
