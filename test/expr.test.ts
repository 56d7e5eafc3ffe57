import { describe, expect, it } from 'vitest';
import { parseExpr, evalExpr, toJs, ExprError } from '../src/expr/index.js';

const ev = (s: string, env: Record<string, number> = {}) => evalExpr(parseExpr(s), (n) => {
  if (!(n in env)) throw new Error(`no ${n}`);
  return env[n];
});
const js = (s: string, env: Record<string, number> = {}) => {
  const src = toJs(parseExpr(s), (n) => `env.${n}`);
  return new Function('env', `return ${src};`)(env) as number;
};

describe('expression language', () => {
  const cases: [string, number][] = [
    ['1 + 2 * 3', 7], ['(1 + 2) * 3', 9], ['2 ^ 3 ^ 2', 512], ['-2 ^ 2', -4], ['2 ** 3', 8],
    ['10 / 4 - 1', 1.5], ['1 < 2', 1], ['2 <= 1', 0], ['1 == 1 && 2 != 2', 0], ['1 == 1 || 0', 1],
    ['where(3 > 2, 10, 20)', 10], ['3 > 2 ? 5 : 6', 5], ['piecewise(1, 0, 2, 1, 3)', 2], ['piecewise(1, 0, 2, 0, 3)', 3],
    ['exp(0) + log(1) + sqrt(4)', 3], ['max(1, 2) + min(1, 2)', 3], ['abs(-3) + pow(2, 10)', 1027],
    ['heaviside(-1) + heaviside(2)', 1], ['clip(5, 0, 1)', 1], ['tanh(0) + sin(0) + cos(0)', 1], ['not 0', 1], ['1.5e-3 * 1e3', 1.5], ['.5 + 2.', 2.5],
  ];
  for (const [s, want] of cases) {
    it(`${s} = ${want} (interpreter and generated JS agree)`, () => {
      expect(ev(s)).toBeCloseTo(want, 12);
      expect(js(s)).toBeCloseTo(want, 12);
    });
  }
  it('reads variables', () => {
    expect(ev('a * x + b', { a: 2, x: 3, b: 1 })).toBe(7);
    expect(js('a * x^2 - b', { a: 2, x: 3, b: 1 })).toBe(17);
  });
  it('reports line, column and what was expected', () => {
    const e = (() => { try { parseExpr('a +\n  * b', { file: 'm.yaml', field: 'state_variables.x.equation' }); } catch (x) { return x as ExprError; } })();
    expect(e).toBeInstanceOf(ExprError);
    expect(e!.pos).toEqual({ line: 2, col: 3 });
    expect(e!.message).toContain('m.yaml: state_variables.x.equation: line 2, column 3');
    expect(e!.message).toContain('expected a number, a name');
    expect(() => parseExpr('foo(1)')).toThrow(/unknown function 'foo'.*expected one of/);
    expect(() => parseExpr('exp(1, 2)')).toThrow(/exp\(\) takes 1 argument/);
    expect(() => parseExpr('(1 + 2')).toThrow(/expected '\)'/);
    expect(() => parseExpr('1 $ 2')).toThrow(/unexpected character '\$'/);
    expect(() => parseExpr('1 2')).toThrow(/expected an operator or end of expression, found '2'/);
  });
});
