/**
 * Option-value parsers shared by the CLI commands: each names the option and the offending text in
 * its error, so bad input stops before any work with a message the user can act on.
 */

/**
 * A finite number.
 * @example
 * ```ts
 * import { parseNumber } from './parse.js';
 * parseNumber('0.5', '--lr'); // 0.5
 * ```
 */
export function parseNumber(v: string, what: string): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new Error(`${what}: '${v}' is not a number`);
  return x;
}

/**
 * A finite number > 0 (a step, a duration, a speed).
 * @example
 * ```ts
 * import { parsePositive } from './parse.js';
 * parsePositive('0.1', '--dt'); // 0.1
 * ```
 */
export function parsePositive(v: string, what: string): number {
  const x = parseNumber(v, what);
  if (!(x > 0)) throw new Error(`${what}: '${v}'; expected a number > 0`);
  return x;
}

/**
 * A finite number ≥ 0.
 * @example
 * ```ts
 * import { parseNonNegative } from './parse.js';
 * parseNonNegative('0', '--transient'); // 0
 * ```
 */
export function parseNonNegative(v: string, what: string): number {
  const x = parseNumber(v, what);
  if (!(x >= 0)) throw new Error(`${what}: '${v}'; expected a number ≥ 0`);
  return x;
}

/** Commander option parsers that name the option in their errors. */
export const opt = {
  number: (what: string) => (v: string) => parseNumber(v, what),
  positive: (what: string) => (v: string) => parsePositive(v, what),
  nonNegative: (what: string) => (v: string) => parseNonNegative(v, what),
  integer: (what: string, min = 1) => (v: string) => parseInteger(v, what, min),
};

/**
 * A number, or a comma-separated list of numbers (one per node, say).
 * @example
 * ```ts
 * import { parseNumbers } from './parse.js';
 * parseNumbers('1,2', 'w'); // [1, 2]
 * ```
 */
export function parseNumbers(v: string, what: string): number | number[] {
  const texts = v.split(',');
  const empty = texts.findIndex((x) => x.trim() === '');
  if (v.trim() !== '' && empty >= 0) throw new Error(`${what}: '${v}' has an empty entry at position ${empty + 1}; expected a number or a comma-separated list of numbers`);
  const parts = texts.map((x) => Number(x.trim()));
  if (v.trim() === '' || parts.some((x) => !Number.isFinite(x))) throw new Error(`${what}: '${v}' is not a number or a comma-separated list of numbers`);
  return parts.length === 1 ? parts[0] : parts;
}

/**
 * A whole number ≥ min (default 1).
 * @example
 * ```ts
 * import { parseInteger } from './parse.js';
 * parseInteger('66', '--steps'); // 66
 * ```
 */
export function parseInteger(v: string, what: string, min = 1): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min) throw new Error(`${what}: '${v}'; expected an integer ≥ ${min}`);
  return n;
}

/** Commander collector for repeatable NAME=VALUE options. */
export function collectKv(value: string, prev: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq < 1) throw new Error(`expected NAME=VALUE, got '${value}'`);
  return { ...prev, [value.slice(0, eq)]: value.slice(eq + 1) };
}
