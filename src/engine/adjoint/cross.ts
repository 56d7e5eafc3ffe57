/**
 * out[i·n + j] += Σ_t L[lo + t·ls + i]·R[ro + t·rs + j]: the product LᵀR of two time-major blocks
 * of T rows (row strides ls, rs), blocked over time so both blocks stay in cache, with 4×4
 * register tiles. The adjoint forms per-edge gradients of delay-free projections with it: one
 * product per segment instead of two read-modify-writes per link and step.
 */
export function crossProduct(out: Float64Array, L: Float64Array, lo: number, ls: number, R: Float64Array, ro: number, rs: number, T: number, n: number): void {
  if (out.length !== n * n) throw new Error(`crossProduct: out has ${out.length} values; expected n² = ${n * n}`);
  if (T > 0 && (lo + (T - 1) * ls + n > L.length || ro + (T - 1) * rs + n > R.length)) throw new Error('crossProduct: the blocks run past their arrays');
  const BT = 128;
  for (let t0 = 0; t0 < T; t0 += BT) {
    const t1 = Math.min(T, t0 + BT);
    for (let i = 0; i < n; i += 4) {
      const ri = Math.min(4, n - i);
      for (let j = 0; j < n; j += 4) {
        const rj = Math.min(4, n - j);
        if (ri === 4 && rj === 4) {
          let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
          let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
          for (let t = t0; t < t1; t++) {
            const a = lo + t * ls + i, b = ro + t * rs + j;
            const l0 = L[a], l1 = L[a + 1], l2 = L[a + 2], l3 = L[a + 3];
            const r0 = R[b], r1 = R[b + 1], r2 = R[b + 2], r3 = R[b + 3];
            c00 += l0 * r0; c01 += l0 * r1; c02 += l0 * r2; c03 += l0 * r3;
            c10 += l1 * r0; c11 += l1 * r1; c12 += l1 * r2; c13 += l1 * r3;
            c20 += l2 * r0; c21 += l2 * r1; c22 += l2 * r2; c23 += l2 * r3;
            c30 += l3 * r0; c31 += l3 * r1; c32 += l3 * r2; c33 += l3 * r3;
          }
          const o = i * n + j;
          out[o] += c00; out[o + 1] += c01; out[o + 2] += c02; out[o + 3] += c03;
          out[o + n] += c10; out[o + n + 1] += c11; out[o + n + 2] += c12; out[o + n + 3] += c13;
          out[o + 2 * n] += c20; out[o + 2 * n + 1] += c21; out[o + 2 * n + 2] += c22; out[o + 2 * n + 3] += c23;
          out[o + 3 * n] += c30; out[o + 3 * n + 1] += c31; out[o + 3 * n + 2] += c32; out[o + 3 * n + 3] += c33;
        } else {
          for (let a = i; a < i + ri; a++) {
            for (let b = j; b < j + rj; b++) {
              let c = 0;
              for (let t = t0; t < t1; t++) c += L[lo + t * ls + a] * R[ro + t * rs + b];
              out[a * n + b] += c;
            }
          }
        }
      }
    }
  }
}
