/**
 * Writes that cannot lie. A real tmpfs of 256 KiB makes the disk really full (ENOSPC from the
 * kernel, not a mock): every writer must fail with a message, exit non-zero from the CLI, and leave
 * nothing behind. Needs root and mount(8); elsewhere these tests skip and say why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic, checkOutputPath, pendingTemps } from '../src/io/atomic.js';
import { writeH5Atomic } from '../src/io/h5.js';
import { writeNetcdf } from '../src/io/netcdf.js';
import { writeTvbConnectivityH5, writeTvbTimeSeriesH5 } from '../src/io/tvb-h5.js';
import { writeTvbConnectivityZip } from '../src/network/tvb-zip-write.js';
import { Network } from '../src/network/network.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { writeSimulationResult } from '../src/io/files.js';
import { simulate } from '../src/simulation/simulate.js';
import { simulateToFile } from '../src/simulation/stream.js';
import { writeSpikeFile } from '../src/spikes/sonata.js';
import { writeSonataNodes } from '../src/spikes/sonata-nodes.js';
import { NodeTable } from '../src/spikes/index.js';
import { savePlot } from '../src/plot/render.js';

const ROOT = resolve(__dirname, '..');
const VBT = join(ROOT, 'bin', 'vbt.js');
const HAVE_DIST = existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'));
const work = mkdtempSync(join(tmpdir(), 'vbt-safe-'));
const full = join(work, 'full');
let mounted = false;
let why = '';

beforeAll(() => {
  mkdirSync(full);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', full], { encoding: 'utf8' });
  mounted = r.status === 0;
  if (!mounted) why = `cannot mount a 256 KiB tmpfs here (${(r.stderr || r.error?.message || '').trim() || 'mount failed'}; needs root)`;
});
afterAll(() => {
  if (mounted) spawnSync('umount', [full]);
  rmSync(work, { recursive: true, force: true });
});

const leftovers = (): string[] => (readdirSync(full, { recursive: true }) as string[]).filter((n) => !statSync(join(full, n)).isDirectory());
const big = () => {
  // 40 nodes: weights + tract lengths = 25 KiB each; the H5 companions pass 256 KiB with the time series
  const conn = syntheticConnectome({ nodes: 200 });
  return conn;
};

describe('a full disk (real tmpfs, ENOSPC)', () => {
  const cases: [string, (p: string) => Promise<unknown> | unknown][] = [
    ['writeFileAtomic', (p) => writeFileAtomic(join(p, 'x.json'), 'x'.repeat(600_000))],
    ['writeH5Atomic', (p) => writeH5Atomic(join(p, 'x.h5'), (f) => { f.create_dataset({ name: 'x', data: new Float64Array(80_000).fill(1), shape: [80_000], dtype: '<d' }); })],
    ['writeNetcdf', (p) => writeNetcdf(join(p, 'x.nc'), { attrs: {}, dims: [{ name: 't', size: 80_000 }], variables: [{ name: 'v', dims: ['t'], data: new Float64Array(80_000).fill(2) }] })],
    ['writeTvbConnectivityH5', (p) => writeTvbConnectivityH5(join(p, 'c.h5'), big())],
    ['writeTvbConnectivityZip', (p) => writeTvbConnectivityZip(join(p, 'c.zip'), syntheticConnectome({ nodes: 300 }))],
    ['Network.save', (p) => Network.fromTvb(big()).save(join(p, 'net.yaml'))],
    ['writeSpikeFile (SONATA)', (p) => writeSpikeFile(join(p, 's.h5'), { pop: { timestamps: Float64Array.from({ length: 60_000 }, (_, k) => k * 0.1), nodeIds: Int32Array.from({ length: 60_000 }, (_, k) => k % 50) } })],
    ['writeSonataNodes', (p) => writeSonataNodes(join(p, 'n.h5'), { pop: new NodeTable({ x: new Float64Array(40_000).fill(1), y: new Float64Array(40_000).fill(2) }) })],
    ['savePlot (PNG)', async (p) => {
      const spec = { width: 800, height: 600, data: { values: Array.from({ length: 3000 }, (_, k) => ({ x: k, y: Math.sin(k / 7) * k })) }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } } as never;
      writeFileSync(join(p, 'filler'), Buffer.alloc(256 * 1024 - 8192));
      try { await savePlot(spec, join(p, 'f.png')); } finally { rmSync(join(p, 'filler')); }
    }],
    ['writeSimulationResult (.nc)', async (p) => writeSimulationResult(await simulate({ model: 'Generic2dOscillator', integrator: { dt: 0.1 }, duration: 200, monitors: [{ name: 'Raw' }] }), join(p, 'r.nc'))],
    ['writeSimulationResult (TVB folder)', async (p) => writeSimulationResult(await simulate({ model: 'Generic2dOscillator', integrator: { dt: 0.1 }, duration: 200, monitors: [{ name: 'Raw' }] }), join(p, 'tvb'), { format: 'tvb' })],
    ['simulateToFile (--stream)', (p) => simulateToFile({ model: 'Generic2dOscillator', integrator: { dt: 0.1 }, duration: 500, monitors: [{ name: 'Raw' }] }, join(p, 's.nc'), { chunkBytes: 32_000 })],
  ];
  for (const [name, write] of cases) {
    it(`${name}: fails with a message and leaves no file`, async (ctx) => {
      if (!mounted) { console.log(`skipped: ${why}`); ctx.skip(); }
      let err: Error | undefined;
      try { await write(full); } catch (e) { err = e as Error; }
      const left = leftovers();
      for (const n of readdirSync(full)) rmSync(join(full, n), { recursive: true, force: true });
      expect(left).toEqual([]);
      expect(err, `${name} reported success on a full disk`).toBeInstanceOf(Error);
      expect(err!.message).toMatch(/no space|HDF5 write failed|ENOSPC|failed its check|cannot sync/i);
      // nothing half-written, no temp file, nothing tracked for signal cleanup
      expect(pendingTemps()).toEqual([]);
    }, 60_000);
  }

  it.skipIf(!HAVE_DIST)('vbt simulate onto a full disk exits 1 and prints one line, leaving nothing', (ctx) => {
    if (!mounted) { console.log(`skipped: ${why}`); ctx.skip(); }
    const r = spawnSync('node', [VBT, 'simulate', '--monitor', 'Raw', '--duration', '500', '-o', join(full, 'run.nc'), '-q'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^vbt: .*run\.nc: HDF5 write failed: No space left on device/m);
    expect(r.stderr).not.toMatch(/HDF5-DIAG/);
    expect(r.stdout).not.toMatch(/result written/);
    expect(leftovers()).toEqual([]);
  }, 60_000);
});

describe('destinations that must not be replaced', () => {
  const dir = join(work, 'dest');
  beforeAll(() => mkdirSync(dir, { recursive: true }));

  it('an existing file needs overwrite; a link, a FIFO, a device, a folder never', () => {
    const f = join(dir, 'a.json');
    writeFileAtomic(f, '1');
    expect(() => writeFileAtomic(f, '2')).toThrow(/already exists; pass --force/);
    expect(readFileSync(f, 'utf8')).toBe('1');
    writeFileAtomic(f, '2', { overwrite: true });
    expect(readFileSync(f, 'utf8')).toBe('2');
    symlinkSync(f, join(dir, 'link.json'));
    expect(() => writeFileAtomic(join(dir, 'link.json'), '3', { overwrite: true })).toThrow(/symbolic link/);
    execFileSync('mkfifo', [join(dir, 'fifo.nc')]);
    expect(() => checkOutputPath(join(dir, 'fifo.nc'), { overwrite: true })).toThrow(/not a regular file/);
    expect(() => checkOutputPath('/dev/full', { overwrite: true })).toThrow(/not a regular file/);
    expect(() => checkOutputPath(dir, { overwrite: true })).toThrow(/is a folder/);
    expect(() => writeFileAtomic(f, '4', { overwrite: true, inputs: [f] })).toThrow(/is an input of this run/);
    expect(readFileSync(f, 'utf8')).toBe('2');
  });

  it.skipIf(!HAVE_DIST)('vbt simulate -c net.h5 --out net.h5 --force refuses (exit 2) and keeps the input', () => {
    const net = join(dir, 'net.h5');
    spawnSync('node', [VBT, 'convert', join(ROOT, 'node_modules', '.nonexistent'), net]);
    return writeTvbConnectivityH5(net, syntheticConnectome()).then(() => {
      const before = readFileSync(net);
      const r = spawnSync('node', [VBT, 'simulate', '-c', net, '--out', net, '--force', '--duration', '10', '-q'], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/is an input of this run/);
      expect(readFileSync(net).equals(before)).toBe(true);
      const dev = spawnSync('node', [VBT, 'simulate', '--format', 'hdf5', '--out', '/dev/full', '--force', '--duration', '10', '-q'], { encoding: 'utf8' });
      expect(dev.status).toBe(2);
      expect(dev.stderr).toMatch(/not a regular file/);
    });
  }, 60_000);

  it.skipIf(!HAVE_DIST)('SIGINT during a streamed run removes the temp file; SIGKILL leftovers are swept by the next write', async () => {
    const out = join(dir, 'long.nc');
    const child = spawn('node', [VBT, 'simulate', '--stream', '--chunk-mb', '0.05', '--monitor', 'Raw', '--duration', '200000', '-o', out, '-q'], { stdio: 'ignore' });
    const temps = () => readdirSync(dir).filter((n) => n.startsWith('.long.nc.tmp-'));
    for (let k = 0; k < 200 && temps().length === 0; k++) await new Promise((r) => setTimeout(r, 50));
    expect(temps().length).toBe(1);
    child.kill('SIGINT');
    const sig = await new Promise((r) => child.on('exit', (_c, s) => r(s)));
    expect(sig).toBe('SIGINT');
    expect(temps()).toEqual([]);
    expect(existsSync(out)).toBe(false);
    // a SIGKILLed writer cannot clean up; the next write to the same path removes its leftovers
    const killed = spawn('node', [VBT, 'simulate', '--stream', '--chunk-mb', '0.05', '--monitor', 'Raw', '--duration', '200000', '-o', out, '-q'], { stdio: 'ignore' });
    for (let k = 0; k < 200 && temps().length === 0; k++) await new Promise((r) => setTimeout(r, 50));
    killed.kill('SIGKILL');
    await new Promise((r) => killed.on('exit', r));
    expect(temps().length).toBe(1);
    const r = spawnSync('node', [VBT, 'simulate', '--duration', '10', '-o', out, '-q'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(temps()).toEqual([]);
  }, 60_000);
});
