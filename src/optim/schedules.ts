/**
 * Learning-rate schedules: the rate at step k (0-based) from the base rate. A schedule takes the base rate as an
 * argument rather than closing over it, so one schedule serves any optimiser and the base rate stays a plain number
 * in a fit's recorded hyperparameters.
 */

/** Learning rate at step k (0-based) from the base rate. */
export type Schedule = (step: number, base: number) => number;

function positiveInteger(name: string, field: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`schedules.${name}: ${field}=${v}; expected a positive integer`);
}

function cosineFrom(k: number, lr: number, total: number, minLr: number): number {
  return minLr + 0.5 * (lr - minLr) * (1 + Math.cos((Math.PI * Math.min(k, total)) / total));
}

/**
 * Common learning-rate schedules.
 *
 * @example
 * ```ts
 * import { schedules } from 'vbt';
 * schedules.cosine(10, 0.01)(5, 0.1);      // 0.055: halfway between 0.1 and 0.01
 * schedules.warmupCosine(4, 20)(1, 0.1);   // 0.05: second step of a 4-step linear warm-up
 * ```
 */
export const schedules = {
  constant: (): Schedule => (_k, lr) => lr,
  /** lr·rate^(k/every). */
  exponentialDecay: (rate: number, every = 1): Schedule => {
    if (!(rate > 0)) throw new Error(`schedules.exponentialDecay: rate=${rate}; expected > 0`);
    if (!(every > 0)) throw new Error(`schedules.exponentialDecay: every=${every}; expected > 0`);
    return (k, lr) => lr * rate ** (k / every);
  },
  /** Linear ramp from lr/steps to lr over `steps`, then constant. */
  linearWarmup: (steps: number): Schedule => {
    positiveInteger('linearWarmup', 'steps', steps);
    return (k, lr) => (k < steps ? (lr * (k + 1)) / steps : lr);
  },
  /** Cosine from lr down to minLr over `total` steps, then minLr. */
  cosine: (total: number, minLr = 0): Schedule => {
    positiveInteger('cosine', 'total', total);
    return (k, lr) => cosineFrom(k, lr, total, minLr);
  },
  /** Linear warm-up over `warmup` steps (as linearWarmup), then cosine from lr to minLr over the remaining steps of `total`. */
  warmupCosine: (warmup: number, total: number, minLr = 0): Schedule => {
    positiveInteger('warmupCosine', 'warmup', warmup);
    if (!Number.isInteger(total) || total <= warmup) throw new Error(`schedules.warmupCosine: total=${total}; expected an integer above warmup=${warmup}`);
    return (k, lr) => (k < warmup ? (lr * (k + 1)) / warmup : cosineFrom(k - warmup, lr, total - warmup, minLr));
  },
};
