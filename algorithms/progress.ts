/**
 * Progress reporting for long algorithm runs: a cli-progress bar on stderr when it is a terminal
 * (or VBT_PROGRESS is set), a user callback otherwise, nothing when disabled.
 */
import cliProgress from 'cli-progress';

export type ProgressOption = boolean | ((done: number, total: number, info?: string) => void);

export interface Progress {
  update(done: number, info?: string): void;
  stop(): void;
}

/**
 * @example
 * ```ts
 * import { makeProgress } from 'vbt/algorithms';
 * const p = makeProgress(true, 10, 'exploring');
 * p.update(5); p.stop();
 * ```
 */
export function makeProgress(opt: ProgressOption | undefined, total: number, label: string): Progress {
  if (typeof opt === 'function') return { update: (d, info) => opt(d, total, info), stop: () => {} };
  const show = opt === true || (opt === undefined && (process.stderr.isTTY || !!process.env.VBT_PROGRESS));
  if (!show) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {value}/{total} | eta {eta}s {info}`, noTTYOutput: !process.stderr.isTTY, notTTYSchedule: 5000 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { info: '' });
  return {
    update: (d, info) => bar.update(d, { info: info ?? '' }),
    stop: () => bar.stop(),
  };
}
