/** erfc in the expression language: interpreter and generated JS agree and match 40-digit values. */
import { describe, expect, it } from 'vitest';
import { FUNCTIONS, parseExpr, toJs, evalExpr } from '../src/expr/index.js';

// [x, erfc(x)] from 40-digit arithmetic (mpmath), rounded to double
const REF: [number, number][] = [
  [-3.5, 1.9999992569016276],
  [-1.2, 1.9103139782296354],
  [-0.3, 1.3286267594591274],
  [0, 1.0],
  [1e-9, 0.9999999988716208],
  [0.1, 0.887537083981715],
  [0.49, 0.4883317388114769],
  [0.5, 0.4795001221869535],
  [0.77, 0.2761783860351407],
  [1.0, 0.15729920705028513],
  [1.5, 0.033894853524689274],
  [2.3, 0.0011431765973566525],
  [3.1, 1.1648657367199589e-5],
  [4.0, 1.541725790028002e-8],
  [4.125, 5.423400799565066e-9],
  [4.5, 1.9661604415428876e-10],
  [6.0, 2.1519736712498913e-17],
  [10.0, 2.088487583762545e-45],
  [15.5, 1.6632016400488723e-106],
  [26.0, 5.663192408856143e-296],
];

describe('erfc', () => {
  const e = parseExpr('erfc(x)');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const compiled = new Function('x', `return ${toJs(e, (n) => n)};`) as (x: number) => number;
  it.each(REF)('erfc(%s)', (x, want) => {
    const a = evalExpr(e, () => x);
    const b = compiled(x);
    expect(b).toBe(a);
    expect(Math.abs(a - want)).toBeLessThanOrEqual(1e-15 * Math.abs(want));
  });
  it('limits and NaN', () => {
    const f = FUNCTIONS.erfc.eval;
    expect(f(Infinity)).toBe(0);
    expect(f(-Infinity)).toBe(2);
    expect(f(30)).toBe(0);
    expect(Number.isNaN(f(NaN))).toBe(true);
  });
});
