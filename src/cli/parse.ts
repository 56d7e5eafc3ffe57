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
 * A number, or a comma-separated list of numbers (one per node, say).
 * @example
 * ```ts
 * import { parseNumbers } from './parse.js';
 * parseNumbers('1,2', 'w'); // [1, 2]
 * ```
 */
export function parseNumbers(v: string, what: string): number | number[] {
  const parts = v.split(',').map((x) => Number(x.trim()));
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
