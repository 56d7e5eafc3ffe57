/**
 * Runs every documented ```ts block (doc comments under src/ and algorithms/, README.md, algorithms/README.md) as
 * a module, so a broken example fails `npm test`. A failure names the block's file and line.
 * VBT_DOCTEST=<substring> runs only the blocks whose file:line contains it.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeDocModules, blocksInSource, blocksInMarkdown, toModule } from '../tools/doctest';
import { SHARED, HAVE_SHARED } from './shared';
import { loadBackend } from '../src/backend/index';

const ROOT = resolve(__dirname, '..');
const OUT = join(__dirname, '.doctest');
const modules = writeDocModules(ROOT, OUT, SHARED)
  .filter(({ block }) => `${block.file}:${block.line}`.includes(process.env.VBT_DOCTEST ?? ''));

/** Each block is small by contract; this bounds a runaway one. */
const BLOCK_TIMEOUT_MS = 20_000;

describe('documented examples run', () => {
  let cwd = '';
  let work = '';
  beforeAll(async () => {
    // a program loads a tfjs back-end once at start-up (README "Differentiable tensor engine"); the tensor examples
    // assume it, as they would in that program
    await loadBackend();
    cwd = process.cwd();
    // inside the checkout: tfjs resolves its optional back-end packages from the working directory under vitest
    mkdirSync(join(OUT, 'work'), { recursive: true });
    work = mkdtempSync(join(OUT, 'work', 'run-'));
  });
  afterAll(() => {
    process.chdir(cwd);
    rmSync(work, { recursive: true, force: true });
  });

  if (modules.length === 0) it.skip(`no block matches VBT_DOCTEST='${process.env.VBT_DOCTEST}' (skipped: filtered out)`, () => {});
  for (const { block, path } of modules) {
    const where = `${block.file}:${block.line}`;
    if (block.noRun) {
      it.skip(`${where} (skipped: ${block.noRun})`, () => {});
    } else if (block.needsShared && !HAVE_SHARED) {
      it.skip(`${where} (skipped: needs shared data, not found at ${SHARED}; set VBT_SHARED)`, () => {});
    } else {
      it(where, async () => {
        // a fresh working directory per block (tools/doctest.ts's contract): writes refuse to replace a file, and
        // several examples name the same output; examples write under out/ as the CLI does
        const dir = mkdtempSync(join(work, 'block-'));
        mkdirSync(join(dir, 'out'));
        process.chdir(dir);
        try {
          await import(/* @vite-ignore */ path);
        } catch (e) {
          // a syntax error arrives as a plain object from the transform, not an Error
          const err = e instanceof Error ? e : new Error((e as { message?: string })?.message ?? JSON.stringify(e));
          err.message = `example at ${where} failed: ${err.message}`;
          throw err;
        }
      }, BLOCK_TIMEOUT_MS);
    }
  }
});

describe('doctest extraction', () => {
  const src = [
    '/**',
    ' * Doubles.',
    ' * @example',
    ' * ```ts',
    " * import { x } from 'vbt';",
    " * const d = readFileSync('../shared/data/a.txt');",
    ' * ```',
    ' */',
    'export const y = 1;',
  ].join('\n');

  it('finds a fenced block in a doc comment with its line, gutter removed, and its need for shared data', () => {
    expect(blocksInSource('src/a.ts', src)).toEqual([
      { file: 'src/a.ts', line: 4, code: "import { x } from 'vbt';\nconst d = readFileSync('../shared/data/a.txt');", needsShared: true },
    ]);
    expect(blocksInMarkdown('R.md', 'text\n```ts\nf();\n```\n```sh\nls\n```')).toEqual([{ file: 'R.md', line: 2, code: 'f();', needsShared: false }]);
  });

  it('maps package, relative and shared specifiers to paths in the checkout', () => {
    const [b] = blocksInSource('src/a.ts', src.replace("const d", "import { z } from './z.js';\nconst d").replace(/\n(?! \*|\/)/g, '\n * '));
    const m = toModule(b, '/r', '/r/test/.doctest', '/data/shared');
    expect(m).toContain("from '../../src/index.ts'");
    expect(m).toContain("from '../../src/z.ts'");
    expect(m).toContain("'/data/shared/data/a.txt'");
    const [c] = blocksInMarkdown('R.md', "```ts\nimport { a } from 'vbt/internals';\nimport { b } from 'vbt/algorithms';\n```");
    const mc = toModule(c, '/r', '/r/test/.doctest', '/data/shared');
    expect(mc).toContain("from '../../src/internals.ts'");
    expect(mc).toContain("from '../../algorithms/index.ts'");
  });

  it('rejects an @example that is not a fenced block, naming file and line', () => {
    expect(() => blocksInSource('src/b.ts', '/** Add. @example add(1, 2) // 3 */')).toThrow(/src\/b.ts:1: @example with inline code/);
    expect(() => blocksInSource('src/b.ts', '/**\n * @example\n * add(1, 2)\n */')).toThrow(/src\/b.ts:2: @example is not followed by a ```ts block/);
  });
});
