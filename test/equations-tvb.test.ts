/** vbt's temporal equations against TVB's own evaluation (fixtures from tools/make_tvb_equation_fixtures.py). */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compileEquation, evaluateEquation, getEquation, listEquations, resolveParameters } from '../src/equations/index.js';
import { FUNCTIONS, parseExpr, toJs, evalExpr } from '../src/expr/index.js';

const DIR = join(__dirname, 'fixtures', 'tvb-equations');
const REL_TOL = 1e-12;

interface Case {
  overrides: Record<string, number>;
  grid: { step: number; n: number; keepEvery: number } | null;
  times: number[];
  values: number[];
}
interface Fixture { name: string; tvbDefaults: Record<string, number>; timeUnit: 'ms' | 's'; cases: Case[] }

const fixtures: Fixture[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && !f.startsWith('_'))
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')));

/** Relative error, exact zeros required to stay (signed) zeros of either sign. */
function relErr(got: number, want: number): number {
  if (got === want) return 0;
  if (Number.isNaN(got) && Number.isNaN(want)) return 0;
  return Math.abs(got - want) / Math.abs(want);
}

/** vbt's values at the fixture's times; HRF kernels are evaluated on Bold's full grid, as TVB did. */
function evaluateCase(name: string, c: Case): Float64Array {
  const spec = getEquation(name);
  if (!c.grid) return evaluateEquation(spec, c.overrides, Float64Array.from(c.times));
  const full = new Float64Array(c.grid.n);
  for (let i = 0; i < full.length; i++) full[i] = i * c.grid.step;
  const y = evaluateEquation(spec, c.overrides, full);
  const keep = c.times.map((t, k) => {
    expect(full[k * c.grid!.keepEvery]).toBe(t);
    return y[k * c.grid!.keepEvery];
  });
  return Float64Array.from(keep);
}

describe('temporal equations vs TVB', () => {
  it('covers every fixture and every catalogued equation', () => {
    expect(fixtures.map((f) => f.name).sort()).toEqual(listEquations().sort());
  });

  for (const fx of fixtures) {
    describe(fx.name, () => {
      const spec = getEquation(fx.name);
      it("has TVB's parameters, defaults and time unit", () => {
        expect(spec.timeUnit).toBe(fx.timeUnit);
        const derived = Object.keys(spec.derived ?? {});
        const own = Object.fromEntries(Object.entries(spec.parameters).map(([k, p]) => [k, p.default]));
        const tvbOwn = Object.fromEntries(Object.entries(fx.tvbDefaults).filter(([k]) => !derived.includes(k)));
        expect(own).toEqual(tvbOwn);
        for (const d of derived) expect(Object.keys(fx.tvbDefaults)).toContain(d);
      });
      fx.cases.forEach((c, k) => {
        it(`case ${k} ${JSON.stringify(c.overrides)} agrees to ${REL_TOL} relative`, () => {
          const got = evaluateCase(fx.name, c);
          let worst = 0, at = -1;
          for (let i = 0; i < got.length; i++) {
            const e = relErr(got[i], c.values[i]);
            if (!(e <= worst)) { worst = e; at = i; }
          }
          console.log(`${fx.name} case ${k}: ${got.length} points, max relative error ${worst.toExponential(2)}`);
          expect(worst, `t=${c.times[at]}: vbt ${got[at]} vs TVB ${c.values[at]}`).toBeLessThanOrEqual(REL_TOL);
        });
      });
    });
  }
});

describe('equation API', () => {
  it('names the valid equations for an unknown one', () => {
    expect(() => getEquation('Gausian')).toThrow(/unknown equation 'Gausian'; expected one of: .*Gaussian/);
  });
  it('rejects unknown and non-numeric parameters, naming the valid ones', () => {
    const g = getEquation('Gaussian');
    expect(() => compileEquation(g, { sigmaa: 1 })).toThrow(/unknown parameter 'sigmaa'; expected one of: amp, sigma, midpoint, offset/);
    expect(() => compileEquation(g, { sigma: '2' as unknown as number })).toThrow(/'sigma' must be a number/);
    expect(() => compileEquation(g, { toString: 1 })).toThrow(/unknown parameter 'toString'/);
  });
  it('compiles to a plain function of t, scalar path equal to evaluateEquation', () => {
    const spec = getEquation('PulseTrain');
    const f = compileEquation(spec, { onset: 10 });
    const ts = Float64Array.from({ length: 200 }, (_, i) => i * 0.37 - 3);
    const bulk = evaluateEquation(spec, { onset: 10 }, ts);
    ts.forEach((t, i) => expect(f(t)).toBe(bulk[i]));
    expect(f(10)).toBe(0);
    expect(f(10.5)).toBe(1);
    expect(f(10 + 42 + 12.9)).toBe(1);
    expect(f(10 + 42 + 13)).toBe(0);
  });
  it('refuses to compile grid-normalised kernels pointwise unless asked for the raw kernel', () => {
    const g = getEquation('Gamma');
    expect(() => compileEquation(g)).toThrow(/evaluateEquation/);
    const raw = compileEquation(g, {}, { unnormalized: true });
    // (t/tau)^2 e^{-t/tau} / (tau * 2!) at its peak t = 2 tau
    expect(raw(2 * 1.08)).toBeCloseTo((4 * Math.exp(-2)) / (1.08 * 2), 14);
  });
  it("ignores overrides of derived values, as TVB does (it recomputes them)", () => {
    const g = getEquation('Gamma');
    expect(resolveParameters(g, { factorial: 99, n: 5 }).factorial).toBe(24);
    const m = getEquation('MixtureOfGammas');
    const v = resolveParameters(m, { gamma_a_1: 1, gamma_a_2: 1 });
    expect([v.gamma_a_1, v.gamma_a_2]).toEqual([120, 479001600]);
  });
});

describe('expression functions added for the equations', () => {
  const both = (src: string, env: Record<string, number> = {}) => {
    const e = parseExpr(src);
    const js = new Function(...Object.keys(env), `return ${toJs(e, (n) => n)};`)(...Object.values(env));
    const ev = evalExpr(e, (n) => env[n]);
    expect(Object.is(js, ev) || (Number.isNaN(js) && Number.isNaN(ev))).toBe(true);
    return ev;
  };
  it('mod has numpy/Python floor semantics, exactly', () => {
    expect(both('mod(7.5, 2)')).toBe(1.5);
    expect(both('mod(-1, 3)')).toBe(2);
    expect(both('mod(5, -3)')).toBe(-1);
    expect(Object.is(both('mod(6, -3)'), -0)).toBe(true);
    expect(both('mod(x, 0.1)', { x: 1 })).toBe(0.09999999999999995); // Python: 1 % 0.1
    expect(both('mod(-1e-20, 42)')).toBe(42); // Python: -1e-20 % 42 == 42.0
    expect(both('mod(1, 0)')).toBeNaN();
  });
  it('factorial is floor(x)! with 1 below 1, gamma matches scipy.special.gamma', () => {
    const sp = JSON.parse(readFileSync(join(DIR, '_special.json'), 'utf8')) as {
      gamma: { x: number; value: number }[];
      factorial: { n: number; value: number }[];
    };
    for (const { n, value } of sp.factorial) expect(FUNCTIONS.factorial.eval(n)).toBe(value);
    expect(both('factorial(3.9)')).toBe(6);
    expect(both('factorial(-2.5)')).toBe(1);
    let worst = 0;
    for (const { x, value } of sp.gamma) {
      const g = both('gamma(x)', { x });
      worst = Math.max(worst, relErr(g, value));
    }
    console.log(`gamma vs scipy: ${sp.gamma.length} points, max relative error ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-13);
    expect(both('gamma(0)')).toBe(Infinity);
    expect(both('gamma(-3)')).toBe(Infinity);
  });
});
