/**
 * Runnable documentation: finds every ```ts block of a `/** … *\/` doc comment under src/ and algorithms/ and of
 * README.md / algorithms/README.md, and turns each into a small module that test/doctest.test.ts imports.
 *
 * A plain line scanner suffices because the blocks are delimited by fences, not by TypeScript syntax; the
 * compiler API would add seconds of start-up for no extra precision.
 *
 * Conventions a block may rely on:
 * - `import … from 'vbt'` / `'vbt/algorithms'` / `'vbt/internals'` resolve to this checkout (src/index.ts,
 *   algorithms/index.ts, src/internals.ts); a
 *   relative specifier (`'./analysis.js'`, for a module-internal helper) resolves from the documented file;
 * - a string starting `../shared/` names the shared data folder ($VBT_SHARED); such a block is skipped with the
 *   reason when the folder is absent;
 * - it runs with a fresh temporary directory as its working directory, so files it writes land there;
 * - `// doctest: no-run <reason>` on a block's first line marks a block that by nature cannot run in CI (it needs
 *   a GPU or a server); the runner reports it as skipped with that reason.
 */
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative, dirname, sep } from 'node:path';

/** One fenced TypeScript block and where it sits. */
export interface DocBlock {
  /** Path relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The code with the doc-comment gutter (` * `) removed. */
  code: string;
  /** Uses `../shared/…` data. */
  needsShared: boolean;
  /** Set when the block opts out of running, with the reason it gave. */
  noRun?: string;
}

const FENCE_OPEN = /^```(ts|typescript)\s*$/;
const FENCE_CLOSE = /^```\s*$/;
const NO_RUN = /^\s*\/\/\s*doctest:\s*no-run\s+(.+)$/;

function block(file: string, line: number, lines: string[]): DocBlock {
  const code = lines.join('\n');
  const noRun = lines.length ? NO_RUN.exec(lines[0])?.[1]?.trim() : undefined;
  return { file, line, code, needsShared: /['"`]\.\.\/shared\//.test(code), ...(noRun ? { noRun } : {}) };
}

/** Fenced ```ts blocks inside `/** … *\/` comments of one TypeScript source. */
export function blocksInSource(file: string, text: string): DocBlock[] {
  const out: DocBlock[] = [];
  const lines = text.split('\n');
  let inDoc = false;
  let open: { line: number; body: string[] } | null = null;
  let wantFence = -1;
  lines.forEach((raw, i) => {
    // every @example must be a fenced ```ts block, so that none escapes the runner
    const inline = /@example\b(.*)$/.exec(raw.replace(/\*\/\s*$/, ''));
    if (inline && inline[1].trim() !== '') {
      throw new Error(`${file}:${i + 1}: @example with inline code; write it as a fenced \`\`\`ts block on the lines below`);
    }
    if (!inDoc) {
      if (/^\s*\/\*\*/.test(raw) && !/\*\/\s*$/.test(raw.replace(/^\s*\/\*\*/, ''))) inDoc = true;
      return;
    }
    if (/\*\/\s*$/.test(raw) && !open) { inDoc = false; return; }
    const content = raw.replace(/^\s*\*( |$)/, '');
    if (inline) { wantFence = i; return; }
    if (wantFence >= 0 && content.trim() !== '') {
      if (!FENCE_OPEN.test(content.trim())) throw new Error(`${file}:${wantFence + 1}: @example is not followed by a \`\`\`ts block`);
      wantFence = -1;
    }
    if (!open) {
      if (FENCE_OPEN.test(content.trim())) open = { line: i + 1, body: [] };
    } else if (FENCE_CLOSE.test(content.trim())) {
      out.push(block(file, open.line, open.body));
      open = null;
    } else if (/\*\/\s*$/.test(raw)) {
      throw new Error(`${file}:${open.line}: doc comment ends inside a \`\`\`ts block (missing closing fence)`);
    } else {
      open.body.push(content);
    }
  });
  return out;
}

/** Fenced ```ts blocks of a Markdown file. */
export function blocksInMarkdown(file: string, text: string): DocBlock[] {
  const out: DocBlock[] = [];
  let open: { line: number; body: string[] } | null = null;
  text.split('\n').forEach((raw, i) => {
    if (!open) {
      if (FENCE_OPEN.test(raw.trim())) open = { line: i + 1, body: [] };
    } else if (FENCE_CLOSE.test(raw.trim())) {
      out.push(block(file, open.line, open.body));
      open = null;
    } else {
      open.body.push(raw);
    }
  });
  if (open) throw new Error(`${file}:${(open as { line: number }).line}: unclosed \`\`\`ts block`);
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every documented block of the repository at `root`, in file order. */
export function collectDocBlocks(root: string): DocBlock[] {
  const rel = (p: string) => relative(root, p).split(sep).join('/');
  const fromSources = ['src', 'algorithms'].flatMap((d) => tsFiles(join(root, d)))
    .flatMap((p) => blocksInSource(rel(p), readFileSync(p, 'utf8')));
  const fromMarkdown = ['README.md', 'algorithms/README.md']
    .flatMap((f) => blocksInMarkdown(f, readFileSync(join(root, f), 'utf8')));
  return [...fromMarkdown, ...fromSources];
}

/** Module file name of a block: its origin, readable in a stack trace. */
export function moduleName(b: DocBlock): string {
  return `${b.file.replace(/[^A-Za-z0-9]+/g, '_')}_L${b.line}.ts`;
}

/**
 * The block as a module in `outDir`: package specifiers point into the checkout, `../shared/` into `shared`, and a
 * leading comment names the origin. The body is left at module top level, so importing the module runs it.
 */
export function toModule(b: DocBlock, root: string, outDir: string, shared: string): string {
  const spec = (target: string) => {
    const r = relative(outDir, join(root, target)).split(sep).join('/');
    return r.startsWith('.') ? r : `./${r}`;
  };
  const code = b.code
    .replace(/(from\s+|import\s*\(\s*)(['"])(\.\.?\/[^'"]+)\2/g, (_m, pre, q, p) =>
      `${pre}${q}${spec(join(dirname(b.file), p).replace(/\.js$/, '.ts'))}${q}`)
    .replace(/(from\s+|import\s*\(\s*)(['"])vbt\/algorithms\2/g, (_m, pre, q) => `${pre}${q}${spec('algorithms/index.ts')}${q}`)
    .replace(/(from\s+|import\s*\(\s*)(['"])vbt\/internals\2/g, (_m, pre, q) => `${pre}${q}${spec('src/internals.ts')}${q}`)
    .replace(/(from\s+|import\s*\(\s*)(['"])vbt\2/g, (_m, pre, q) => `${pre}${q}${spec('src/index.ts')}${q}`)
    .replace(/(['"`])\.\.\/shared\//g, (_m, q) => `${q}${shared.split(sep).join('/')}/`);
  return `// doctest of ${b.file}:${b.line}\nexport {};\n${code}\n`;
}

/** Writes every block as a module under `outDir` (emptied first); returns the blocks with their module paths. */
export function writeDocModules(root: string, outDir: string, shared: string): { block: DocBlock; path: string }[] {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  return collectDocBlocks(root).map((b) => {
    const path = join(outDir, moduleName(b));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, toModule(b, root, outDir, shared));
    return { block: b, path };
  });
}
