/**
 * Looking up, compiling and evaluating temporal equations. Compilation generates one JS function per
 * (equation, parameter values) via the expression language's code generator, with the parameters as
 * constants, so evaluating it in a simulation loop costs a plain function call.
 */
import { parseExpr, toJs, evalExpr, freeSymbols, CONSTANTS } from '../expr/index.js';
import { EQUATIONS } from './catalogue.js';
import type { EquationSpec } from './spec.js';

/** Parameter values by name; missing names take the equation's defaults. */
export type EquationOverrides = Record<string, number>;

export interface CompileOptions {
  /**
   * For kernels TVB normalises over the evaluation grid (Gamma, DoubleExponential): return the kernel
   * before that normalisation instead of refusing. The caller is then responsible for the scaling.
   */
  unnormalized?: boolean;
}

/** Names of all catalogued equations. */
export function listEquations(): string[] {
  return Object.keys(EQUATIONS);
}

/** The catalogued equation `name`; an unknown name's error lists the valid ones. */
export function getEquation(name: string): EquationSpec {
  const spec = Object.prototype.hasOwnProperty.call(EQUATIONS, name) ? EQUATIONS[name] : undefined;
  if (!spec) throw new Error(`unknown equation '${name}'; expected one of: ${listEquations().join(', ')}`);
  return spec;
}

/**
 * Parameter values (defaults overlaid with overrides) plus derived values, in dependency order.
 * Overrides of derived names are ignored because TVB recomputes them too (its saved parameter
 * dictionaries contain them), while unknown names and non-numbers are errors.
 */
export function resolveParameters(spec: EquationSpec, overrides: EquationOverrides = {}): Record<string, number> {
  const values: Record<string, number> = {};
  for (const [k, p] of Object.entries(spec.parameters)) values[k] = p.default;
  const derived = spec.derived ?? {};
  for (const [k, v] of Object.entries(overrides)) {
    if (Object.hasOwn(derived, k)) continue;
    if (!Object.hasOwn(spec.parameters, k)) {
      throw new Error(`${spec.name}: unknown parameter '${k}'; expected one of: ${Object.keys(spec.parameters).join(', ')}`);
    }
    if (typeof v !== 'number') throw new Error(`${spec.name}: parameter '${k}' must be a number, got ${JSON.stringify(v)}`);
    values[k] = v;
  }
  for (const [k, src] of Object.entries(derived)) {
    const e = parseExpr(src, { field: `${spec.name}.derived.${k}` });
    values[k] = evalExpr(e, (name) => lookup(spec, values, name, `derived value '${k}'`));
  }
  return values;
}

function lookup(spec: EquationSpec, values: Record<string, number>, name: string, where: string): number {
  if (Object.hasOwn(values, name)) return values[name];
  if (Object.hasOwn(CONSTANTS, name)) return CONSTANTS[name];
  throw new Error(`${spec.name}: ${where} uses unknown symbol '${name}'`);
}

/** JS literal for a parameter constant (keeps -0, NaN and infinities intact). */
function literal(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  if (Object.is(v, -0)) return '(-0)';
  return v < 0 ? `(${v})` : String(v);
}

/**
 * JS source of `function (t) { return … }` for the equation with the given values. Parameters become
 * `const` locals (prefixed, so no name can clash with JS globals such as Math).
 */
export function equationSource(spec: EquationSpec, values: Record<string, number>): string {
  const e = parseExpr(spec.expression, { field: `${spec.name}.expression` });
  const used = [...freeSymbols(e)].filter((s) => s !== 't');
  const decls = used.map((s) => `const p_${s} = ${literal(lookup(spec, values, s, 'expression'))};`);
  const body = toJs(e, (name) => (name === 't' ? 't' : `p_${name}`));
  const fname = /^[A-Za-z_][A-Za-z0-9_]*$/.test(spec.name) ? spec.name : 'equation';
  return `"use strict";\n${decls.join('\n')}\nreturn function ${fname}(t) { return ${body}; };`;
}

/** The equation as a fast function of t (in spec.timeUnit). */
export function compileEquation(spec: EquationSpec, overrides: EquationOverrides = {}, options: CompileOptions = {}): (t: number) => number {
  if (spec.normalize && !options.unnormalized) {
    throw new Error(
      `${spec.name} is scaled by its maximum over the evaluation grid (y / max(y) · ${spec.normalize.amplitude}), which a ` +
        'pointwise function cannot do: use evaluateEquation(spec, overrides, times), or pass { unnormalized: true } for the raw kernel',
    );
  }
  const values = resolveParameters(spec, overrides);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function(equationSource(spec, values))() as (t: number) => number;
}

/**
 * The equation sampled at `times` (in spec.timeUnit), as TVB's `evaluate` would return it, including
 * the grid normalisation of Gamma and DoubleExponential.
 */
export function evaluateEquation(spec: EquationSpec, overrides: EquationOverrides, times: Float64Array): Float64Array {
  const f = compileEquation(spec, overrides, { unnormalized: true });
  const out = new Float64Array(times.length);
  for (let i = 0; i < times.length; i++) out[i] = f(times[i]);
  if (spec.normalize) {
    const amp = resolveParameters(spec, overrides)[spec.normalize.amplitude];
    normalizeToMax(out, amp);
  }
  return out;
}

/**
 * y ← (y / max(y)) · amp in place, with max taken as Python's builtin max does (the first element,
 * replaced by any later element that compares greater), which is what TVB's kernels use.
 */
export function normalizeToMax(y: Float64Array, amp: number): void {
  if (y.length === 0) return;
  let m = y[0];
  for (let i = 1; i < y.length; i++) if (y[i] > m) m = y[i];
  for (let i = 0; i < y.length; i++) y[i] = (y[i] / m) * amp;
}
