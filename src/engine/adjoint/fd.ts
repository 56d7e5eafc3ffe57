/**
 * Central finite differences refined by Richardson extrapolation: D(h), D(h/2), D(h/4), … are
 * combined in a Neville tableau (the error of a central difference is a series in h²), and the
 * difference between the last two diagonal entries estimates the error of the result. The
 * tableau stops when that estimate grows (rounding has taken over).
 */
export interface FdEstimate {
  /** The extrapolated derivative. */
  value: number;
  /** Estimated absolute error of `value`. */
  error: number;
  /** The first step used. */
  h: number;
}

export function richardsonDerivative(f: (x: number) => number, x0: number, h0 = 1e-2 * Math.max(1, Math.abs(x0)), levels = 5): FdEstimate {
  const T: number[][] = [];
  let best: FdEstimate = { value: NaN, error: Infinity, h: h0 };
  let h = h0;
  for (let i = 0; i < levels; i++, h /= 2) {
    const row = [(f(x0 + h) - f(x0 - h)) / (2 * h)];
    for (let j = 1; j <= i; j++) {
      const p = 4 ** j;
      row.push((p * row[j - 1] - T[i - 1][j - 1]) / (p - 1));
    }
    T.push(row);
    if (i === 0) continue;
    const err = Math.max(Math.abs(row[i] - T[i - 1][i - 1]), Math.abs(row[i] - row[i - 1]));
    if (err < best.error) best = { value: row[i], error: err, h: h0 };
    else if (i > 2) break;
  }
  return best;
}
