/**
 * A small table of physical units for state variables and signals: each unit belongs to a
 * dimension with a factor to its SI base, so values convert within a dimension only.
 */
const TABLE: Record<string, { dim: string; f: number }> = {
  V: { dim: 'voltage', f: 1 }, mV: { dim: 'voltage', f: 1e-3 }, uV: { dim: 'voltage', f: 1e-6 }, 'µV': { dim: 'voltage', f: 1e-6 }, nV: { dim: 'voltage', f: 1e-9 },
  A: { dim: 'current', f: 1 }, mA: { dim: 'current', f: 1e-3 }, uA: { dim: 'current', f: 1e-6 }, 'µA': { dim: 'current', f: 1e-6 }, nA: { dim: 'current', f: 1e-9 }, pA: { dim: 'current', f: 1e-12 },
  Hz: { dim: 'frequency', f: 1 }, kHz: { dim: 'frequency', f: 1e3 }, mHz: { dim: 'frequency', f: 1e-3 },
  '1/s': { dim: 'frequency', f: 1 }, '1/ms': { dim: 'frequency', f: 1e3 }, 'ms^-1': { dim: 'frequency', f: 1e3 }, 's^-1': { dim: 'frequency', f: 1 },
  s: { dim: 'time', f: 1 }, ms: { dim: 'time', f: 1e-3 }, us: { dim: 'time', f: 1e-6 }, 'µs': { dim: 'time', f: 1e-6 },
  T: { dim: 'magnetic flux density', f: 1 }, fT: { dim: 'magnetic flux density', f: 1e-15 }, pT: { dim: 'magnetic flux density', f: 1e-12 },
  mm: { dim: 'length', f: 1e-3 }, cm: { dim: 'length', f: 1e-2 }, m: { dim: 'length', f: 1 },
};

export const KNOWN_UNITS: readonly string[] = Object.keys(TABLE);

/**
 * The factor that converts values in `from` to `to`; throws for unknown units or different
 * dimensions.
 *
 * @example
 * ```ts
 * import { unitFactor } from './units.js';
 * unitFactor('mV', 'uV'); // 1000
 * ```
 */
export function unitFactor(from: string, to: string, what = 'value'): number {
  const a = TABLE[from.trim()], b = TABLE[to.trim()];
  if (!a) throw new Error(`${what}: unit '${from}' is not in the unit table (${KNOWN_UNITS.join(', ')})`);
  if (!b) throw new Error(`${what}: unit '${to}' is not in the unit table (${KNOWN_UNITS.join(', ')})`);
  if (a.dim !== b.dim) throw new Error(`${what}: cannot convert ${from} (${a.dim}) to ${to} (${b.dim})`);
  return a.f / b.f;
}
