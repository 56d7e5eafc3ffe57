/**
 * Parameter values for a run: each parameter is a scalar, per node, per batch element, or per batch
 * element and node. Engines specialise their code on the kind, so a scalar costs nothing per node.
 */

export type ParamKind = 'scalar' | 'node' | 'batch' | 'batchnode';

export interface ResolvedParam {
  kind: ParamKind;
  /** scalar: 1 value; node: N; batch: B; batchnode: B*N (batch-major). */
  data: Float64Array;
}

export type ParamValue = number | boolean | ArrayLike<number>;

function toArray(v: ParamValue): Float64Array {
  if (typeof v === 'number') return Float64Array.of(v);
  if (typeof v === 'boolean') return Float64Array.of(v ? 1 : 0);
  return Float64Array.from(v as ArrayLike<number>);
}

/**
 * Resolve one parameter.
 * @param base  the value set for all batch elements: scalar or per node (length 1 or N)
 * @param batch optional per-batch values: length B, each a scalar or a per-node array
 */
export function resolveParam(
  name: string,
  base: ParamValue,
  batch: ArrayLike<ParamValue> | undefined,
  N: number,
  B: number,
): ResolvedParam {
  if (batch !== undefined) {
    if (batch.length !== B) throw new Error(`batch parameter '${name}': expected ${B} values (one per batch element), got ${batch.length}`);
    const items = Array.from(batch as ArrayLike<ParamValue>, toArray);
    const perNode = items.some((a) => a.length > 1);
    if (!perNode) return { kind: 'batch', data: Float64Array.from(items, (a) => a[0]) };
    const data = new Float64Array(B * N);
    items.forEach((a, b) => {
      if (a.length === 1) data.fill(a[0], b * N, (b + 1) * N);
      else if (a.length === N) data.set(a, b * N);
      else throw new Error(`batch parameter '${name}'[${b}]: expected 1 or ${N} (one per node) values, got ${a.length}`);
    });
    return { kind: 'batchnode', data };
  }
  const a = toArray(base);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new Error(`parameter '${name}': value ${a[i]} at index ${i} is not a finite number`);
  }
  if (a.length === 1) return { kind: 'scalar', data: a };
  if (a.length === N) {
    // a per-node array whose values are all equal is still cheaper as a scalar
    return a.every((x) => x === a[0]) ? { kind: 'scalar', data: a.subarray(0, 1) } : { kind: 'node', data: a };
  }
  throw new Error(`parameter '${name}': expected a number or ${N} values (one per node), got an array of length ${a.length}`);
}

/** JS source reading a resolved parameter in generated code, given the loop variables in scope. */
export function paramRead(kind: ParamKind, arr: string, b: string, n: string, N: number): string {
  switch (kind) {
    case 'scalar': return `${arr}[0]`;
    case 'node': return `${arr}[${n}]`;
    case 'batch': return `${arr}[${b}]`;
    case 'batchnode': return `${arr}[${b} * ${N} + ${n}]`;
  }
}
