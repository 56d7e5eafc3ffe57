/**
 * Large matrices as heatmaps: past `maxSide` rows a cell per entry would make megabyte SVGs and
 * seconds of rendering (TVB's 998-region connectome has ~10⁶ entries), so consecutive rows and
 * columns are pooled into blocks whose cell shows the block mean.
 */

export interface MatrixCell { row: string; col: string; value: number }

export interface BlockCells {
  cells: MatrixCell[];
  /** Row/column names in order (labels, or "first…last" per block). */
  order: string[];
  /** Rows/columns per block (1 = every entry drawn). */
  block: number;
}

/**
 * Cells of an n×n row-major matrix, block-averaged when n > maxSide. `keep` filters entries (e.g.
 * positive ones for a log colour scale); a block with no kept entry is left out.
 *
 * @example
 * ```ts
 * import { blockCells } from 'vbt/internals';
 * blockCells([1, 2, 3, 4], 2, ['a', 'b'], 1).cells; // [{ row: 'a…b', col: 'a…b', value: 2.5 }]
 * ```
 */
export function blockCells(m: ArrayLike<number>, n: number, labels: string[], maxSide = 200, keep: (v: number) => boolean = () => true): BlockCells {
  if (!(Number.isInteger(maxSide) && maxSide >= 1)) throw new Error(`maxSide=${maxSide}; expected a positive integer`);
  const b = Math.ceil(n / maxSide);
  const nb = Math.ceil(n / b);
  const order = Array.from({ length: nb }, (_, k) => {
    const i0 = k * b, i1 = Math.min(n, i0 + b) - 1;
    return b === 1 ? labels[i0] : `${labels[i0]}…${labels[i1]}`;
  });
  const cells: MatrixCell[] = [];
  for (let bi = 0; bi < nb; bi++) {
    for (let bj = 0; bj < nb; bj++) {
      let s = 0, c = 0;
      for (let i = bi * b; i < Math.min(n, (bi + 1) * b); i++) for (let j = bj * b; j < Math.min(n, (bj + 1) * b); j++) {
        const v = m[i * n + j];
        if (keep(v)) { s += v; c++; }
      }
      if (c > 0) cells.push({ row: order[bi], col: order[bj], value: s / c });
    }
  }
  return { cells, order, block: b };
}
