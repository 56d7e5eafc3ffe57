/**
 * A green run must not hide a skipped TVB-parity test: when the shared data is present, any skipped
 * test in a parity file fails the run (exit code 1) with the names of what skipped. Without the
 * shared data those files skip by design and say why.
 */
import type { Reporter } from 'vitest/reporters';
import type { RunnerTestFile, RunnerTask } from 'vitest';
import { HAVE_SHARED } from '../shared.js';

/** Files whose tests reproduce TVB's numbers (reference runs, dfun vectors, TVB noise, Bold). */
export const PARITY_FILES = [
  'reference.test.ts', 'model-dfun.test.ts', 'model-dfun-fixtures.test.ts', 'noise-tvb.test.ts',
  'tensor-reference.test.ts', 'bold.test.ts', 'equations-tvb.test.ts',
];

function skipped(task: RunnerTask, out: string[], path: string): void {
  const name = path ? `${path} > ${task.name}` : task.name;
  if (task.mode === 'skip' || task.mode === 'todo' || task.result?.state === 'skip') out.push(name);
  else if ('tasks' in task) for (const t of task.tasks) skipped(t, out, name);
}

export default class ParityGuard implements Reporter {
  onFinished(files: RunnerTestFile[] = []): void {
    if (!HAVE_SHARED) return;
    const bad: string[] = [];
    for (const f of files) {
      const base = f.name.split('/').pop() ?? f.name;
      if (PARITY_FILES.includes(base)) for (const t of f.tasks) skipped(t, bad, base);
    }
    if (!bad.length) return;
    process.stderr.write(`\nparity guard: the shared data is present but ${bad.length} TVB-parity test(s) skipped:\n  ${bad.join('\n  ')}\n`);
    process.exitCode = 1;
  }
}
