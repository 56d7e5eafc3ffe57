/** Runs the `vbt` program in-process and returns what it printed to stdout (console.log lines). */
import { vi } from 'vitest';
import { buildProgram } from '../src/cli/main.js';

export async function vbt(...args: string[]): Promise<string> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'vbt', ...args]);
  } finally {
    spy.mockRestore();
  }
  return lines.join('\n');
}
