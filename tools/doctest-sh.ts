/**
 * Runnable shell documentation: the ```sh blocks of README.md as commands, for test/doctest-sh.test.ts.
 *
 * A block is cut into commands at line ends (a trailing backslash continues a line); a `#` comment after a command
 * is dropped (outside quotes). Each command keeps its `;` and `&&` and runs whole in bash, with `vbt` and `npx vbt`
 * meaning this checkout's program (node bin/vbt.js) and `../shared/` the shared data folder ($VBT_SHARED), in a
 * temporary working directory shared by the commands of one file, so a command may read what an earlier one wrote.
 * A command ending in `&` (a server, a worker) is marked `background`: the runner starts it, keeps it for the later
 * commands and stops it at the end.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ShellCommand {
  /** Path relative to the repository root. */
  file: string;
  /** 1-based line of the command's first line. */
  line: number;
  /** The command as written (continuations joined, comment dropped). */
  command: string;
  /** Uses `../shared/…` data. */
  needsShared: boolean;
  /** Ends in `&`: a server or worker the later commands of its block use. */
  background?: boolean;
}

const FENCE_OPEN = /^```(sh|bash|shell|console)\s*$/;
const FENCE_CLOSE = /^```\s*$/;

/** The text before an unquoted `#` that starts a comment (at the start or after whitespace). */
export function stripComment(line: string): string {
  let q: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === q) q = null;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

/** Commands of every ```sh block of a Markdown text, in order. */
export function commandsInMarkdown(file: string, text: string): ShellCommand[] {
  const out: ShellCommand[] = [];
  let inBlock = false;
  let open: { line: number; parts: string[] } | null = null;
  text.split('\n').forEach((raw, i) => {
    if (!inBlock) {
      if (FENCE_OPEN.test(raw.trim())) inBlock = true;
      return;
    }
    if (FENCE_CLOSE.test(raw.trim())) {
      if (open) throw new Error(`${file}:${open.line}: a command continues (trailing \\) into the end of its block`);
      inBlock = false;
      return;
    }
    const code = stripComment(raw);
    if (!open && code.trim() === '') return;
    const cont = /\\$/.test(code);
    const part = cont ? code.slice(0, -1).trim() : code.trim();
    if (open) open.parts.push(part);
    else open = { line: i + 1, parts: [part] };
    if (!cont) {
      const joined = open.parts.filter(Boolean).join(' ');
      const background = /[^&]&$/.test(joined);
      const command = background ? joined.slice(0, -1).trimEnd() : joined;
      out.push({ file, line: open.line, command, needsShared: /(^|[\s='"])\.\.\/shared\//.test(command), ...(background ? { background } : {}) });
      open = null;
    }
  });
  if (inBlock) throw new Error(`${file}: unclosed \`\`\`sh block`);
  return out;
}

/** Every shell command of the repository's README. */
export function collectReadmeCommands(root: string): ShellCommand[] {
  return commandsInMarkdown('README.md', readFileSync(join(root, 'README.md'), 'utf8'));
}

/**
 * The bash script that runs one command in the working directory: `vbt` and `npx vbt` are this checkout's program,
 * `npm run <script>` runs package.json's script of that name with `node bin/vbt.js` read as `vbt` (the scripts are
 * written for the checkout's root), `../shared/` is the shared folder.
 */
export function toBash(c: ShellCommand, root: string, shared: string, scripts: Record<string, string>, rewrite: (command: string) => string = (x) => x): string {
  const command = rewrite(c.command.replace(/(^|[\s='"])\.\.\/shared\//g, (_m, pre) => `${pre}${shared}/`));
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    'set -e -o pipefail',
    `vbt() { node ${q(join(root, 'bin', 'vbt.js'))} "$@"; }`,
    'npx() { if [ "$1" = vbt ]; then shift; vbt "$@"; else command npx "$@"; fi; }',
    `npm() { if [ "$1" = run ]; then case "$2" in ${Object.entries(scripts).map(([k, v]) => `${q(k)}) ${v.replace(/^node bin\/vbt\.js\b/, 'vbt')} ;;`).join(' ')} *) echo "npm run $2: no such script" >&2; return 1 ;; esac; else echo "npm $1: not run here" >&2; return 1; fi; }`,
    command,
  ].join('\n');
}
