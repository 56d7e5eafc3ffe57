/**
 * Fuzzed readers (fast-check, fixed seed, bounded runs): truncations, bit flips and shape lies in
 * TVB ZIP, HDF5/netCDF results, npy/npz, YAML model and network, SONATA spikes and TVB H5. Each
 * case must end in an Error with a message (never a hang, a process crash or a non-Error throw),
 * or in a value that passes the reader's own checks. Truncations of binary formats must always
 * throw: a shortened file never reads as good. Counts are printed for the closing report.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { simulate } from '../src/simulation/simulate.js';
import { SimulationResult } from '../src/results/simulation.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { tvbConnectivityZipBytes } from '../src/network/tvb-zip-write.js';
import { readTvbConnectivityZip } from '../src/network/tvb-zip.js';
import { parseNpy, readNpz } from '../src/io/npy.js';
import { loadModelFile } from '../src/models/catalogue.js';
import { Network } from '../src/network/network.js';
import { readSpikeFile, writeSpikeFile } from '../src/spikes/sonata.js';
import { readTvbH5, writeTvbConnectivityH5 } from '../src/io/tvb-h5.js';

const dir = mkdtempSync(join(tmpdir(), 'vbt-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SEED = 20261206;
const RUNS = Number(process.env.VBT_FUZZ_RUNS ?? 100);
const counts: Record<string, { threw: number; read: number }> = {};
afterAll(() => console.log(`fuzz counts (seed ${SEED}, ${RUNS} runs per mutation): ${JSON.stringify(counts)}`));

type Mutation = { kind: 'truncate'; at: number } | { kind: 'flip'; bits: { at: number; bit: number }[] };
const mutation = (len: number) => fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.integer({ min: 0, max: len - 1 }) }),
  fc.record({ kind: fc.constant('flip' as const), bits: fc.array(fc.record({ at: fc.integer({ min: 0, max: len - 1 }), bit: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 8 }) }),
);
function mutate(b: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === 'truncate') return b.slice(0, m.at);
  const c = b.slice();
  for (const { at, bit } of m.bits) c[at] ^= 1 << bit;
  return c;
}

/** Run the reader on mutated bytes; it must throw an Error with a message or return a checked value. */
async function fuzz(name: string, good: Uint8Array, read: (bytes: Uint8Array) => Promise<unknown> | unknown, check: (v: unknown, m: Mutation) => void) {
  counts[name] = { threw: 0, read: 0 };
  await fc.assert(
    fc.asyncProperty(mutation(good.length), async (m) => {
      let v: unknown;
      try {
        v = await read(mutate(good, m));
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message.length).toBeGreaterThan(5);
        counts[name].threw++;
        return;
      }
      counts[name].read++;
      check(v, m);
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
}
let n = 0;
const asFile = (ext: string) => (b: Uint8Array) => {
  const p = join(dir, `f${n++}${ext}`);
  writeFileSync(p, b);
  return p;
};
const binaryTruncationThrows = (_v: unknown, m: Mutation) => {
  if (m.kind === 'truncate') throw new Error(`a file truncated at byte ${m.at} read as good`);
};

describe('fuzzed readers', () => {
  it('TVB connectivity ZIP', async () => {
    const conn = syntheticConnectome({ nodes: 8 });
    await fuzz('tvb-zip', tvbConnectivityZipBytes(conn), (b) => readTvbConnectivityZip(b), (v, m) => {
      binaryTruncationThrows(v, m);
      const c = v as ReturnType<typeof syntheticConnectome>;
      expect(c.weights.length).toBe(c.n * c.n);
    });
  }, 120_000);

  it('npy (truncations, bit flips, shape lies) and npz', async () => {
    const npy = (shape: number[], data: Float64Array) => {
      let h = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
      while ((10 + h.length + 1) % 64) h += ' ';
      h += '\n';
      const out = new Uint8Array(10 + h.length + data.byteLength);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 255, h.length >> 8]);
      out.set(new TextEncoder().encode(h), 10);
      out.set(new Uint8Array(data.buffer), 10 + h.length);
      return out;
    };
    const data = Float64Array.from({ length: 12 }, (_, k) => k * 0.5);
    const good = npy([3, 4], data);
    expect(Array.from(parseNpy(good).data as Float64Array)).toEqual(Array.from(data));
    await fuzz('npy', good, (b) => parseNpy(b), (v, m) => {
      binaryTruncationThrows(v, m);
      const a = v as { shape: number[]; data: ArrayLike<unknown> };
      expect(a.data.length).toBe(a.shape.reduce((x, y) => x * y, 1));
    });
    // shape lies: every header shape other than the data's is refused
    counts['npy-shape-lie'] = { threw: 0, read: 0 };
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 31 }), { minLength: 0, maxLength: 4 }), (shape) => {
      const count = shape.reduce((a, b) => a * b, 1);
      fc.pre(count !== 12);
      const lie = npy(shape, data);
      expect(() => parseNpy(lie)).toThrow(/\.npy/);
      counts['npy-shape-lie'].threw++;
    }), { seed: SEED, numRuns: RUNS });
    const z = zipSync({ 'weights.npy': good, 'labels.npy': npy([2], new Float64Array(2)) });
    await fuzz('npz', z, (b) => readNpz(asFile('.npz')(b)), (v, m) => binaryTruncationThrows(v, m));
  }, 120_000);

  it('HDF5/netCDF simulation results', async () => {
    const res = await simulate({ model: 'Generic2dOscillator', integrator: { dt: 0.5 }, duration: 20, monitors: [{ name: 'TemporalAverage', period: 2 }], connectivity: syntheticConnectome({ nodes: 4 }) });
    const p = join(dir, 'good.nc');
    await res.save(p);
    await fuzz('netcdf-result', readFileSync(p), (b) => SimulationResult.fromFile(asFile('.nc')(b)), (v, m) => {
      binaryTruncationThrows(v, m);
      const r = v as SimulationResult;
      for (const mon of r.monitors) expect(mon.data.length).toBe(mon.shape.reduce((a, b) => a * b, 1));
    });
  }, 300_000);

  it('TVB H5 connectivity', async () => {
    const p = join(dir, 'conn.h5');
    await writeTvbConnectivityH5(p, syntheticConnectome({ nodes: 5 }));
    await fuzz('tvb-h5', readFileSync(p), (b) => readTvbH5(asFile('.h5')(b)), (v, m) => binaryTruncationThrows(v, m));
  }, 300_000);

  it('SONATA spikes', async () => {
    const p = join(dir, 'spikes.h5');
    await writeSpikeFile(p, { pop: { timestamps: [0.5, 1, 2.5, 3], nodeIds: [0, 1, 0, 2] } });
    await fuzz('sonata', readFileSync(p), (b) => readSpikeFile(asFile('.h5')(b)), (v, m) => {
      binaryTruncationThrows(v, m);
      for (const pop of v as { timestamps: ArrayLike<number>; nodeIds: ArrayLike<number> }[]) expect(pop.timestamps.length).toBe(pop.nodeIds.length);
    });
  }, 300_000);

  it('YAML model and network sidecar', async () => {
    const model = readFileSync(join(__dirname, '..', 'src', 'models', 'catalogue', 'Generic2dOscillator.yaml'));
    await fuzz('yaml-model', model, (b) => loadModelFile(asFile('.yaml')(b)), (v) => {
      expect(Object.keys((v as { state_variables: object }).state_variables).length).toBeGreaterThan(0);
    });
    const side = join(dir, 'net.yaml');
    await Network.fromTvb(syntheticConnectome({ nodes: 4 })).save(side);
    const text = readFileSync(side);
    await fuzz('yaml-network', text, (b) => {
      writeFileSync(side, b);
      return Network.fromFile(side);
    }, (v) => expect((v as Network).numberOfNodes).toBe(4));
  }, 300_000);
});

describe('SONATA non-finite timestamps', () => {
  it('NaN or Inf spike times are refused naming the entry, not reported as an empty time window', async () => {
    for (const bad of [NaN, Infinity]) {
      const p = join(dir, `bad-${bad}.h5`);
      await writeSpikeFile(p, { pop: { timestamps: [0.5, bad, 2], nodeIds: [0, 1, 2] } }, { sortBy: 'none' } as never).catch(async () => {
        // the writer may refuse non-finite times itself; then write the file with h5wasm directly
        const { writeH5Atomic } = await import('../src/io/h5.js');
        await writeH5Atomic(p, (f) => {
          const g = f.create_group('spikes').create_group('pop');
          const t = g.create_dataset({ name: 'timestamps', data: Float64Array.from([0.5, bad, 2]), dtype: '<d' });
          t.create_attribute('units', 'ms');
          g.create_dataset({ name: 'node_ids', data: BigUint64Array.from([0n, 1n, 2n]) as never, dtype: '<Q' });
        });
      });
      await expect(readSpikeFile(p)).rejects.toThrow(/timestamps.*entry 1 is (NaN|Infinity); spike times must be finite/);
    }
  });
});
