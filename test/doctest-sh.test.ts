/**
 * Runs every shell command of README.md as written (tools/doctest-sh.ts), in one temporary working directory, in
 * order: later commands read what earlier ones wrote. `vbt`/`npx vbt` are this checkout's program (dist/, so run
 * npx tsc -p tsconfig.json first), `../shared/` the shared data ($VBT_SHARED); the working directory links the
 * checkout's examples/ and test/fixtures/ folders, which the README's commands name. VBT_DOCTEST_SH=<substring> runs only the commands
 * that contain it (a command that reads an earlier one's output then needs that one in the filter too).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { closeSync, existsSync, mkdtempSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { collectReadmeCommands, commandsInMarkdown, stripComment, toBash } from '../tools/doctest-sh';
import { SHARED, HAVE_SHARED } from './shared';

const ROOT = resolve(__dirname, '..');
const BUILT = existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'));
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** Commands that by nature cannot run here, with the reason. */
const NOT_HERE: [RegExp, string][] = [
  [/^npm install\b/, 'installs the package into the checkout from the npm registry; the tests run in an installed checkout'],
  [/^npm test\b/, 'runs the whole test suite, this file included'],
  [/^npm run bench\b/, 'the benchmark: tens of CPU minutes, run by hand'],
  [/<sweep-id>/, 'a template: <sweep-id> stands for the id a crashed coordinator printed'],
];

/** A free TCP port: the README's Redis port 6379 may be another program's on a shared machine. */
async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

const filter = process.env.VBT_DOCTEST_SH ?? '';
const commands = collectReadmeCommands(ROOT);

describe('README shell commands run as written', () => {
  let work = '';
  let port = 0;
  const background: ChildProcess[] = [];
  // the README's commands name Redis port 6379; they run against a private server on a free port instead
  const rewrite = (x: string) => x.replace(/\b6379\b/g, String(port));
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'vbt-readme-sh-'));
    // checkout folders the README's commands read (examples, the surface reference fixtures), linked, never copied
    symlinkSync(join(ROOT, 'examples'), join(work, 'examples'));
    mkdirSync(join(work, 'test'));
    symlinkSync(join(ROOT, 'test', 'fixtures'), join(work, 'test', 'fixtures'));
    mkdirSync(join(work, 'out'));
    port = await freePort();
  });
  afterAll(async () => {
    // each background command runs as its own process group; stop exactly those
    for (const p of background) if (p.pid && p.exitCode === null) try { process.kill(-p.pid, 'SIGTERM'); } catch { /* gone already */ }
    await new Promise((r) => setTimeout(r, 500));
    rmSync(work, { recursive: true, force: true });
  });

  for (const c of commands) {
    const where = `README.md:${c.line}: ${c.command.length > 90 ? `${c.command.slice(0, 87)}...` : c.command}`;
    const notHere = NOT_HERE.find(([re]) => re.test(c.command));
    if (notHere) it.skip(`${where} (skipped: ${notHere[1]})`, () => {});
    else if (!BUILT) it.skip(`${where} (skipped: no dist/; run npx tsc -p tsconfig.json)`, () => {});
    else if (c.needsShared && !HAVE_SHARED) it.skip(`${where} (skipped: needs shared data, not found at ${SHARED}; set VBT_SHARED)`, () => {});
    else if (!`${c.line} ${c.command}`.includes(filter)) it.skip(`${where} (skipped: filtered out by VBT_DOCTEST_SH)`, () => {});
    else if (c.background) {
      it(`${where} (in the background)`, async () => {
        const log = openSync(join(work, `bg-${c.line}.log`), 'w');
        const p = spawn('bash', ['-c', toBash(c, ROOT, SHARED, scripts, rewrite)], { cwd: work, detached: true, stdio: ['ignore', log, log] });
        closeSync(log);
        background.push(p);
        // a server has to listen before the next command talks to it: give it a moment, then it must still be up
        await new Promise((r) => setTimeout(r, 1500));
        expect(p.exitCode, `README.md:${c.line} exited at once: ${readFileSync(join(work, `bg-${c.line}.log`), 'utf8').slice(-2000)}`).toBeNull();
      }, 30_000);
    } else {
      it(where, () => {
        let out = '';
        try {
          out = execFileSync('bash', ['-c', toBash(c, ROOT, SHARED, scripts, rewrite)], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VBT_PROGRESS: '' }, maxBuffer: 64 << 20 });
        } catch (e) {
          const err = e as { status?: number; stdout?: string; stderr?: string };
          throw new Error(`README.md:${c.line} failed (exit ${err.status}): ${c.command}\n${(err.stderr ?? '').slice(-3000)}${(err.stdout ?? '').slice(-1000)}`);
        }
        // what a command says it did must be something: the README's spike raster once drew 0 spikes without a word
        expect(out).not.toMatch(/:\s0 spikes\b/);
      }, 300_000);
    }
  }
});

describe('shell command extraction', () => {
  it('joins continuations, drops comments outside quotes, keeps ; and &&, notes shared data', () => {
    const md = ['text', '```sh', 'a --x 1 \\', '    --y 2   # why', "b '#not' ; c && d  # c", '', 'e ../shared/f.zip', '```', '```ts', 'no();', '```'].join('\n');
    expect(commandsInMarkdown('R.md', md)).toEqual([
      { file: 'R.md', line: 3, command: 'a --x 1 --y 2', needsShared: false },
      { file: 'R.md', line: 5, command: "b '#not' ; c && d", needsShared: false },
      { file: 'R.md', line: 7, command: 'e ../shared/f.zip', needsShared: true },
    ]);
    expect(stripComment('x "a # b" # c')).toBe('x "a # b"');
    expect(() => commandsInMarkdown('R.md', '```sh\na \\\n```')).toThrow(/R.md:2: a command continues/);
  });

  it('runs vbt as this checkout, shared as $VBT_SHARED, npm scripts through vbt', () => {
    const b = toBash({ file: 'R.md', line: 1, command: 'npx vbt info ../shared/x.zip', needsShared: true }, '/r', '/data/shared', { demo: 'node bin/vbt.js simulate --force' });
    expect(b).toContain("vbt() { node '/r/bin/vbt.js' \"$@\"; }");
    expect(b).toContain("'demo') vbt simulate --force ;;");
    expect(b.split('\n').pop()).toBe('npx vbt info /data/shared/x.zip');
  });

  it('the README has commands, and every vbt command it names is one the program has', () => {
    expect(commands.length).toBeGreaterThan(20);
    const names = new Set(commands.flatMap((c) => [...c.command.matchAll(/(?:^|[;&]\s*)(?:npx )?vbt (?:--json )?([a-z-]+)/g)].map((m) => m[1])));
    expect([...names]).toEqual(expect.arrayContaining(['simulate', 'rerun', 'spikes', 'gain', 'run', 'experiment']));
  });
});
