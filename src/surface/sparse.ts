/**
 * Compressed sparse row matrices: the local-connectivity kernel of a cortical surface is ~6–100
 * non-zeros per row at 16k–80k vertices, so it is never held dense.
 */

/** A sparse matrix in CSR form: row r's entries are colIndex/values[rowPtr[r] .. rowPtr[r+1]). */
export interface CsrMatrix {
  rows: number;
  cols: number;
  rowPtr: Int32Array;
  colIndex: Int32Array;
  values: Float64Array;
}

/** CSR from compressed sparse columns (MATLAB's and scipy's csc layout): a counting transpose. */
export function csrFromCsc(rows: number, cols: number, colPtr: ArrayLike<number>, rowIndex: ArrayLike<number>, values: ArrayLike<number>): CsrMatrix {
  const nnz = colPtr[cols];
  const rowPtr = new Int32Array(rows + 1);
  for (let k = 0; k < nnz; k++) rowPtr[rowIndex[k] + 1]++;
  for (let r = 0; r < rows; r++) rowPtr[r + 1] += rowPtr[r];
  const fill = rowPtr.slice(0, rows);
  const colIndex = new Int32Array(nnz);
  const out = new Float64Array(nnz);
  for (let c = 0; c < cols; c++) {
    for (let k = colPtr[c]; k < colPtr[c + 1]; k++) {
      const q = fill[rowIndex[k]]++;
      colIndex[q] = c;
      out[q] = values[k];
    }
  }
  return { rows, cols, rowPtr, colIndex, values: out };
}

/** CSR from (row, col, value) triplets; duplicates are summed, columns sorted within a row. */
export function csrFromTriplets(rows: number, cols: number, r: ArrayLike<number>, c: ArrayLike<number>, v: ArrayLike<number>): CsrMatrix {
  const n = r.length;
  const rowPtr = new Int32Array(rows + 1);
  for (let k = 0; k < n; k++) rowPtr[r[k] + 1]++;
  for (let i = 0; i < rows; i++) rowPtr[i + 1] += rowPtr[i];
  const fill = rowPtr.slice(0, rows);
  const ci = new Int32Array(n), cv = new Float64Array(n);
  for (let k = 0; k < n; k++) { const q = fill[r[k]]++; ci[q] = c[k]; cv[q] = v[k]; }
  // sort each row by column and merge duplicates
  const outPtr = new Int32Array(rows + 1);
  const oc: number[] = [], ov: number[] = [];
  for (let i = 0; i < rows; i++) {
    const idx = Array.from({ length: rowPtr[i + 1] - rowPtr[i] }, (_, k) => rowPtr[i] + k).sort((a, b) => ci[a] - ci[b]);
    for (const q of idx) {
      if (oc.length > outPtr[i] && oc[oc.length - 1] === ci[q]) ov[ov.length - 1] += cv[q];
      else { oc.push(ci[q]); ov.push(cv[q]); }
    }
    outPtr[i + 1] = oc.length;
  }
  return { rows, cols, rowPtr: outPtr, colIndex: Int32Array.from(oc), values: Float64Array.from(ov) };
}

/** y = A·x. */
export function csrMultiply(A: CsrMatrix, x: ArrayLike<number>, y: Float64Array = new Float64Array(A.rows)): Float64Array {
  const { rowPtr, colIndex, values } = A;
  for (let i = 0; i < A.rows; i++) {
    let acc = 0;
    for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) acc += values[k] * x[colIndex[k]];
    y[i] = acc;
  }
  return y;
}

/** A scaled copy: s·A, or diag(s)·A when s has one value per row (TVB's per-vertex coupling_strength). */
export function csrScaleRows(A: CsrMatrix, s: number | ArrayLike<number>): CsrMatrix {
  const values = new Float64Array(A.values.length);
  for (let i = 0; i < A.rows; i++) {
    const f = typeof s === 'number' ? s : s[i];
    for (let k = A.rowPtr[i]; k < A.rowPtr[i + 1]; k++) values[k] = f * A.values[k];
  }
  return { ...A, values };
}

/** Throw unless A is a well-formed rows×cols CSR matrix; `what` names it in the message. */
export function checkCsr(A: CsrMatrix, rows: number, cols: number, what: string): void {
  if (A.rows !== rows || A.cols !== cols) throw new Error(`${what}: a ${A.rows}x${A.cols} matrix; expected ${rows}x${cols} (one row and column per surface vertex)`);
  if (A.rowPtr.length !== rows + 1 || A.rowPtr[0] !== 0 || A.rowPtr[rows] !== A.colIndex.length || A.values.length !== A.colIndex.length) {
    throw new Error(`${what}: malformed CSR arrays (rowPtr ${A.rowPtr.length}, colIndex ${A.colIndex.length}, values ${A.values.length})`);
  }
  for (let k = 0; k < A.colIndex.length; k++) {
    if (A.colIndex[k] < 0 || A.colIndex[k] >= cols) throw new Error(`${what}: column index ${A.colIndex[k]} at entry ${k} outside 0..${cols - 1}`);
    if (!Number.isFinite(A.values[k])) throw new Error(`${what}: value ${A.values[k]} at entry ${k} is not finite`);
  }
}
