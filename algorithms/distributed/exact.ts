/**
 * JSON that carries doubles exactly: a Float64Array travels as its bytes (base64), and a number
 * JSON cannot write (NaN, ±Infinity, −0) as a tagged string. Everything else is plain JSON, whose
 * numbers already round-trip exactly in JavaScript. Results computed on another machine arrive as
 * the same doubles.
 */
const F64 = '$f64';
const NUM = '$num';

export function exactStringify(v: unknown): string {
  return JSON.stringify(v, (_k, x) => {
    if (x instanceof Float64Array) return { [F64]: Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64') };
    if (typeof x === 'number' && (!Number.isFinite(x) || Object.is(x, -0))) return { [NUM]: Object.is(x, -0) ? '-0' : String(x) };
    return x;
  });
}

export function exactParse<T = unknown>(s: string): T {
  return JSON.parse(s, (_k, x) => {
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      if (typeof x[F64] === 'string') {
        const buf = Buffer.from(x[F64], 'base64');
        const out = new Float64Array(buf.length / 8);
        new Uint8Array(out.buffer).set(buf);
        return out;
      }
      if (typeof x[NUM] === 'string') return x[NUM] === '-0' ? -0 : Number(x[NUM]);
    }
    return x;
  }) as T;
}
