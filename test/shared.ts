/** Locating ../shared (or $VBT_SHARED) for tests that need TVB data; absent → tests skip with a reason. */
import { existsSync, readdirSync } from 'node:fs';
import { resolve, join } from 'node:path';

export const SHARED = process.env.VBT_SHARED ?? resolve(__dirname, '../../shared');
export const HAVE_SHARED = existsSync(join(SHARED, 'reference'));
export const SKIP_REASON = `shared data not found at ${SHARED} (set VBT_SHARED); skipping tests that need TVB reference data`;

export function referenceFiles(): string[] {
  if (!HAVE_SHARED) return [];
  const dir = join(SHARED, 'reference');
  return readdirSync(dir).filter((f) => f.endsWith('.h5')).sort().map((f) => join(dir, f));
}
export const sharedPath = (...p: string[]) => join(SHARED, ...p);
