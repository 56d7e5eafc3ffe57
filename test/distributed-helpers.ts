/**
 * Real components for queue-mode tests: a redis-server on a random loopback port with its own
 * temporary directory (AOF on, fsync on every write), and `vbt worker` processes from the compiled
 * CLI (rebuilt first when the sources are newer than dist/).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const HAS_REDIS = spawnSync('redis-server', ['--version']).status === 0;

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
    s.on('error', rej);
  });
}

export class RedisServer {
  proc?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'vbt-redis-'));
  constructor(readonly port: number) {}
  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }
  static async start(): Promise<RedisServer> {
    const r = new RedisServer(await freePort());
    await r.up();
    return r;
  }
  async up(): Promise<void> {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'no'], { stdio: 'ignore' });
    const t0 = Date.now();
    for (;;) {
      const c = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      c.on('error', () => {});
      try {
        await c.connect();
        if ((await c.ping()) === 'PONG') { c.disconnect(); return; }
      } catch { /* not up yet */ }
      c.disconnect();
      if (Date.now() - t0 > 10000) throw new Error(`redis-server did not start on port ${this.port}`);
      await sleep(50);
    }
  }
  /** SIGTERM: Redis flushes its AOF and exits. */
  async down(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((res) => { p.once('exit', () => res()); p.kill('SIGTERM'); });
  }
  async stop(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
  client(): Redis {
    const c = new Redis(this.url, { maxRetriesPerRequest: null });
    c.on('error', () => {});
    return c;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(what: string, f: () => Promise<boolean> | boolean, timeoutMs = 20000): Promise<void> {
  const t0 = Date.now();
  while (!(await f())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function newest(dir: string, ext: string): number {
  let t = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    if (f.isDirectory()) t = Math.max(t, newest(p, ext));
    else if (f.name.endsWith(ext) && !f.name.endsWith('.d.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** The CLI runs from dist/: rebuild it when any source is newer (CI builds it in `npm install`). */
export function ensureBuilt(): void {
  const srcTime = Math.max(newest(join(ROOT, 'src'), '.ts'), newest(join(ROOT, 'algorithms'), '.ts'));
  const dist = join(ROOT, 'dist');
  const distTime = existsSync(dist) ? Math.min(newest(join(dist, 'src'), '.js'), newest(join(dist, 'algorithms'), '.js')) : 0;
  if (distTime >= srcTime) return;
  console.log('distributed tests: dist/ is older than the sources; running tsc');
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc failed:\n${r.stdout}${r.stderr}`);
}

/** `node bin/vbt.js ARGS` as a child process; stderr is collected. */
export function vbtProcess(args: string[]): ChildProcess & { err: () => string; exited: Promise<number | null> } {
  const p = spawn(process.execPath, [join(ROOT, 'bin/vbt.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  p.stderr!.on('data', (d) => (err += d));
  p.stdout!.on('data', () => {});
  const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
  return Object.assign(p, { err: () => err, exited });
}

export function startWorkerProcess(url: string, extra: string[] = []) {
  return vbtProcess(['worker', '--queue', url, '--threads', '1', '--stall-timeout', '2', ...extra]);
}
