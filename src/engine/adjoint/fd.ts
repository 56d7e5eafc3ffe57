/**
 * Central finite differences refined by Richardson extrapolation. For each starting step h0 of a
 * ladder (decades below `scale`), D(h0), D(h0/2), D(h0/4), … are combined in a Neville tableau
 * (the error of a central difference is a series in h²); the difference of its last two diagonal
 * entries estimates the truncation error. Rounding shows as disagreement between ladders, so the
 * error reported for a ladder is the largest of its own estimate and its distances to the
 * neighbouring ladders' results; the ladder with the smallest error wins.
 */
export interface FdEstimate {
  /** The extrapolated derivative. */
  value: number;
  /** Estimated absolute error of `value`. */
  error: number;
  /** The starting step of the chosen ladder. */
  h: number;
}

function tableau(f: (x: number) => number, x0: number, h0: number, levels: number): { value: number; error: number } {
  const T: number[][] = [];
  let h = h0, best = { value: NaN, error: Infinity };
  for (let i = 0; i < levels; i++, h /= 2) {
    const row = [(f(x0 + h) - f(x0 - h)) / (2 * h)];
    for (let j = 1; j <= i; j++) row.push((4 ** j * row[j - 1] - T[i - 1][j - 1]) / (4 ** j - 1));
    T.push(row);
    if (i === 0) continue;
    const err = Math.max(Math.abs(row[i] - T[i - 1][i - 1]), Math.abs(row[i] - row[i - 1]));
    if (err < best.error) best = { value: row[i], error: err };
  }
  return best;
}

/**
 * d f / d x at x0. `scale` is the size of x (default max(|x0|, 1)); `ladders` ladders start at
 * scale·10^-2, 10^-3, …, each `levels` halvings deep.
 */
export function richardsonDerivative(f: (x: number) => number, x0: number, scale = Math.max(1, Math.abs(x0)), ladders = 3, levels = 4): FdEstimate {
  const runs = Array.from({ length: ladders }, (_, d) => {
    const h = scale * 10 ** -(2 + d);
    return { h, ...tableau(f, x0, h, levels) };
  });
  let best: FdEstimate = { value: NaN, error: Infinity, h: NaN };
  runs.forEach((r, d) => {
    const near = [runs[d - 1], runs[d + 1]].filter(Boolean).map((q) => Math.abs(q.value - r.value));
    const err = Math.max(r.error, ...near);
    if (err < best.error) best = { value: r.value, error: err, h: r.h };
  });
  return best;
}
