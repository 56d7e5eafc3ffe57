/**
 * SONATA spike files: h5py-written files (bmtk and libsonata conventions) read correctly, our files
 * read back identically with h5py, bad files give clear errors. Python with h5py is looked up as
 * python3 or /usr/bin/python3; the tests that need it skip with the reason when neither has it.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SpikeReport, readSpikeFile, writeSpikeFile, readSonataNodes, writeSonataNodes, NodeTable, isSortedByTime } from '../src/spikes/index.js';

function findPython(): string | undefined {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import h5py, numpy'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return undefined;
}
const PY = findPython();
const NO_PY = 'python3 with h5py and numpy not found (tried python3, /usr/bin/python3); skipping the h5py interoperability tests';

const dir = mkdtempSync(join(tmpdir(), 'vbt-spikes-'));
const fx = (n: string) => join(dir, 'fx', n);

beforeAll(() => {
  if (!PY) return;
  const r = spawnSync(PY, [resolve(__dirname, '../tools/make_sonata_fixtures.py'), join(dir, 'fx')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make_sonata_fixtures.py failed: ${r.stderr}`);
  return () => rmSync(dir, { recursive: true, force: true });
});

const arr = (x: ArrayLike<number>) => Array.from(x);

describe.skipIf(!PY)(`h5py-written SONATA spike files ${PY ? '' : NO_PY}`, () => {
  it('reads a bmtk-style file: string and enum sorting, uint64 ids, two populations', async () => {
    const r = await SpikeReport.open(fx('bmtk.h5'));
    expect(r.populationNames).toEqual(['cortex', 'thalamus']);
    const c = r.population('cortex');
    expect(c.sorting).toBe('by_time');
    expect(c.fileUnits).toBe('ms');
    expect(arr(c.spikes.timestamps)).toEqual([0.5, 1.0, 1.0, 2.5, 3.0, 7.25, 9.0, 12.0]);
    expect(arr(c.spikes.nodeIds)).toEqual([0, 2, 1, 0, 5, 2, 0, 3]);
    const t = r.population('thalamus');
    expect(t.sorting).toBe('by_id'); // HDF5 enum value 1
    // by_id in the file, served in time order
    expect(arr(t.spikes.timestamps)).toEqual([1.5, 2.0, 4.0, 6.0, 8.0]);
    expect(arr(t.spikes.nodeIds)).toEqual([0, 1, 0, 1, 2]);
    expect(r.timeStart).toBe(0);
    expect(r.timeStop).toBe(12);
    expect(r.timeUnits).toBe('ms');
    expect(arr(c.nodeIds)).toEqual([0, 1, 2, 3, 5]);
    const raw = await readSpikeFile(fx('bmtk.h5'));
    expect(raw.map((p) => [p.name, p.sorting, p.sortingStorage])).toEqual([['cortex', 'by_time', 'string'], ['thalamus', 'by_id', 'enum']]);
    expect(arr(raw[1].timestamps)).toEqual([1.5, 4.0, 2.0, 6.0, 8.0]); // as stored
  });

  it('get: inclusive time window and id groups, as bluepysnap', async () => {
    const c = (await SpikeReport.open(fx('bmtk.h5'))).population('cortex');
    const w = c.get({ tStart: 1, tStop: 7.25 });
    expect(arr(w.timestamps)).toEqual([1, 1, 2.5, 3, 7.25]);
    expect(arr(w.nodeIds)).toEqual([2, 1, 0, 5, 2]);
    const g = c.get({ group: [0, 2], tStart: 0.5 });
    expect(arr(g.timestamps)).toEqual([0.5, 1, 2.5, 7.25, 9]);
    expect(arr(g.nodeIds)).toEqual([0, 2, 0, 2, 0]);
    expect(arr(c.get({ group: 3 }).timestamps)).toEqual([12]);
    expect(arr(c.get({ group: new Uint32Array([5, 1]) }).nodeIds)).toEqual([1, 5]);
    expect(c.get({ tStart: 12.5 }).timestamps.length).toBe(0);
    expect(() => c.get({ tStart: 5, tStop: 1 })).toThrow(/tStart \(5 ms\) is after tStop \(1 ms\)/);
    expect(() => c.get({ group: { layer: 5 } })).toThrow(/property query, but no node properties are known/);
  });

  it('reads gzip-compressed, shuffled, chunked datasets', async () => {
    const p = (await SpikeReport.open(fx('gzip.h5'))).population('pop');
    expect(p.size).toBe(5000);
    expect(p.spikes.timestamps[4999]).toBe(4999 / 4);
    expect(p.spikes.nodeIds[4999]).toBe((4999 * 7919) % 1000);
    expect(arr(p.get({ tStart: 100, tStop: 100.5 }).nodeIds)).toEqual([400, 401, 402].map((k) => (k * 7919) % 1000));
  });

  it('sorts files without a sorting claim, converts seconds to ms', async () => {
    const u = (await SpikeReport.open(fx('unsorted.h5'))).population('pop');
    expect(u.sorting).toBe('none');
    expect(arr(u.spikes.timestamps)).toEqual([0.25, 1, 1, 3, 5]);
    expect(arr(u.spikes.nodeIds)).toEqual([1, 0, 3, 2, 1]); // ties keep file order
    const s = (await SpikeReport.open(fx('seconds.h5'))).population('pop');
    expect(s.fileUnits).toBe('s');
    expect(arr(s.spikes.timestamps)).toEqual([1, 2.5, 4]);
  });

  it('bad files: clear errors naming file, object and problem', async () => {
    const load = async (n: string) => (await SpikeReport.open(fx(n))).population('pop').spikes;
    await expect(load('bad_lengths.h5')).rejects.toThrow(/bad_lengths\.h5: \/spikes\/pop: timestamps has 3 entries but node_ids has 2/);
    await expect(load('bad_sorted.h5')).rejects.toThrow(/sorting says by_time but timestamps decrease at index 2/);
    await expect(load('bad_by_id.h5')).rejects.toThrow(/sorting says by_id but the data are not ordered by node id/);
    await expect(load('bad_units.h5')).rejects.toThrow(/unknown time unit 'fortnight'; expected one of ms, s/);
    await expect(load('no_units.h5')).rejects.toThrow(/missing 'units' attribute/);
    expect(arr((await SpikeReport.open(fx('no_units.h5'), { assumeUnits: 'ms' })).population('pop').spikes.timestamps)).toEqual([1, 2]);
    await expect(load('no_node_ids.h5')).rejects.toThrow(/\/spikes\/pop\/node_ids: missing dataset/);
    await expect(SpikeReport.open(fx('no_spikes.h5'))).rejects.toThrow(/no 'spikes' group/);
    await expect(load('bad_enum.h5')).rejects.toThrow(/sorting value 7 is not one of the SONATA enum values/);
    await expect(SpikeReport.open(join(dir, 'absent.h5'))).rejects.toThrow(/no such spike file/);
    const r = await SpikeReport.open(fx('bmtk.h5'));
    expect(() => r.population('hippocampus')).toThrow(/no population 'hippocampus'; populations: cortex, thalamus/);
  });

  it('reads SONATA nodes (two groups, @library enumeration, node-types CSV) and resolves queries', async () => {
    const nodes = await readSonataNodes(fx('nodes.h5'), { nodeTypesCsv: fx('node_types.csv') });
    const c = nodes.cortex;
    expect(c.size).toBe(6);
    expect(c.get('mtype', [0, 1, 2, 3, 4, 5])).toEqual(['L23_PC', 'L23_BC', 'L5_TPC', 'L23_PC', 'L6_IPC', 'L6_IPC']);
    expect(arr(c.column('x').values as Float64Array)).toEqual([0, 10, 30, 20, 40, 50]);
    expect(c.get('ei', [0, 2])).toEqual(['e', 'i']);
    expect(nodes.thalamus.get('model_type', [0])).toEqual(['virtual']);
    const r = await SpikeReport.open(fx('bmtk.h5'), { nodes: fx('nodes.h5'), nodeTypesCsv: fx('node_types.csv') });
    const pc = r.population('cortex');
    expect(arr(pc.resolveNodes({ layer: 5 })!)).toEqual([2, 3]);
    expect(arr(pc.resolveNodes({ x: [10, 30] })!)).toEqual([1, 2, 3]); // float: inclusive range
    expect(arr(pc.resolveNodes({ mtype: 'regex:L23_.*' })!)).toEqual([0, 1, 3]);
    expect(arr(pc.resolveNodes({ mtype: { $regex: 'L[56]_.*' } })!)).toEqual([2, 4, 5]);
    expect(arr(pc.resolveNodes({ $or: [{ layer: 6 }, { mtype: 'L23_BC' }] })!)).toEqual([1, 4, 5]);
    expect(arr(pc.resolveNodes({ node_id: [0, 4], layer: [2, 6] })!)).toEqual([0, 4]);
    expect(arr(pc.resolveNodes({ population: 'thalamus' })!)).toEqual([]);
    expect(arr(pc.get({ group: { layer: 5 } }).timestamps)).toEqual([1, 7.25, 12]);
    expect(() => pc.get({ group: { colour: 'red' } })).toThrow(/node property 'colour' not found in population 'cortex'/);
    expect(() => pc.get({ group: [0, 6] })).toThrow(/node id 6 not found in population 'cortex' \(6 nodes/);
    expect(() => pc.resolveNodes({ x: 10 })).toThrow(/float property 'x' needs an inclusive range/);
    // across populations: a property only cortex has selects nothing in thalamus
    const f = r.filter({ group: { layer: [5, 6] }, tStart: 1 });
    expect(f.rows()).toEqual([
      { time: 1, id: 2, population: 'cortex' }, { time: 3, id: 5, population: 'cortex' },
      { time: 7.25, id: 2, population: 'cortex' }, { time: 12, id: 3, population: 'cortex' },
    ]);
    expect(() => r.filter({ group: { colour: 'red' } }).report).toThrow(/colour not found in any population/);
  });
});

describe('writing SONATA spike files', () => {
  const input = {
    cortex: { timestamps: [5.5, 0.125, 3, 3, 1e-3], nodeIds: [4, 2, 0, 7, 2] },
    thalamus: { timestamps: [2, 1], nodeIds: [1, 0] },
  };

  it('reads back our own file identically, sorted by time', async () => {
    const p = join(dir, 'ours.h5');
    await writeSpikeFile(p, input);
    const raw = await readSpikeFile(p);
    expect(raw.map((x) => x.name)).toEqual(['cortex', 'thalamus']);
    expect(arr(raw[0].timestamps)).toEqual([1e-3, 0.125, 3, 3, 5.5]);
    expect(arr(raw[0].nodeIds)).toEqual([2, 2, 0, 7, 4]);
    expect(raw[0].sortingStorage).toBe('absent');
    expect(isSortedByTime(raw[1].timestamps)).toBe(true);
  });

  it('by_id order on request, bmtk-style string attribute, other units', async () => {
    const p = join(dir, 'byid.h5');
    await writeSpikeFile(p, input, { sortBy: 'by_id', sortingAttribute: 'string', units: 's' });
    const raw = await readSpikeFile(p);
    expect(raw[0].sorting).toBe('by_id');
    expect(raw[0].fileUnits).toBe('s');
    expect(arr(raw[0].nodeIds)).toEqual([0, 2, 2, 4, 7]);
    expect(raw[0].timestamps[1]).toBeCloseTo(1e-3, 15);
    expect(raw[0].timestamps[2]).toBeCloseTo(0.125, 15);
  });

  it('a population without spikes round-trips', async () => {
    const p = join(dir, 'empty.h5');
    await writeSpikeFile(p, { silent: { timestamps: [], nodeIds: [] }, busy: { timestamps: [1], nodeIds: [4] } });
    const r = await SpikeReport.open(p);
    expect(r.population('silent').size).toBe(0);
    expect(r.filter().rows()).toEqual([{ time: 1, id: 4, population: 'busy' }]);
  });

  it.skipIf(!PY)(`h5py reads our SONATA nodes file: layout, dtypes, values ${PY ? '' : NO_PY}`, async () => {
    const p = join(dir, 'nodes-ours.h5');
    await writeSonataNodes(p, { cortex: new NodeTable({ layer: [2, 5], mtype: ['PC', 'BC'], x: new Float64Array([0.5, -1]) }) });
    const py = `
import h5py, json, sys
with h5py.File(sys.argv[1], 'r') as f:
    c = f['nodes/cortex']; g = c['0']
    out = {k: c[k][()].tolist() for k in ['node_type_id', 'node_group_id', 'node_group_index']}
    out['layer'] = g['layer'][()].tolist(); out['x'] = g['x'][()].tolist()
    out['mtype'] = [m.decode() if isinstance(m, bytes) else m for m in g['mtype'][()]]
    out['dtypes'] = {k: g[k].dtype.kind for k in ['layer', 'x']}
print(json.dumps(out))`;
    const r = spawnSync(PY!, ['-c', py, p], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ node_type_id: [0, 0], node_group_id: [0, 0], node_group_index: [0, 1], layer: [2, 5], x: [0.5, -1], mtype: ['PC', 'BC'], dtypes: { layer: 'i', x: 'f' } });
  });

  it('bad input is refused with the reason, and no file is left behind', async () => {
    const p = join(dir, 'bad.h5');
    await expect(writeSpikeFile(p, { a: { timestamps: [1, 2], nodeIds: [0] } })).rejects.toThrow(/population 'a': 2 timestamps but 1 node ids/);
    await expect(writeSpikeFile(p, { a: { timestamps: [1], nodeIds: [-1] } })).rejects.toThrow(/node id -1 at index 0 is not an integer/);
    await expect(writeSpikeFile(p, { a: { timestamps: [NaN], nodeIds: [0] } })).rejects.toThrow(/timestamp NaN at index 0 is not finite/);
    await expect(writeSpikeFile(p, {})).rejects.toThrow(/at least one population/);
    await expect(writeSpikeFile(p, { a: { timestamps: [1], nodeIds: [0] } }, { units: 'hours' })).rejects.toThrow(/unknown time unit 'hours'/);
    await expect(SpikeReport.open(p)).rejects.toThrow(/no such spike file/);
  });

  it.skipIf(!PY)(`h5py reads our file identically: datasets, dtypes, attributes ${PY ? '' : NO_PY}`, async () => {
    const p = join(dir, 'ours-h5py.h5');
    await writeSpikeFile(p, input, { sortingAttribute: 'string' });
    const py = `
import h5py, json, sys
out = {}
with h5py.File(sys.argv[1], 'r') as f:
    out['root'] = {'magic': int(f.attrs['magic']), 'version': [int(v) for v in f.attrs['version']]}
    for name, g in f['spikes'].items():
        ts, ids = g['timestamps'], g['node_ids']
        u = ts.attrs['units']; s = g.attrs.get('sorting')
        out[name] = {'timestamps': [float(x) for x in ts[()]], 'node_ids': [int(x) for x in ids[()]],
                     'ts_dtype': ts.dtype.str, 'id_dtype': ids.dtype.str,
                     'units': u.decode() if isinstance(u, bytes) else str(u),
                     'sorting': s.decode() if isinstance(s, bytes) else s}
print(json.dumps(out))`;
    const r = spawnSync(PY!, ['-c', py, p], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout);
    expect(got.root).toEqual({ magic: 0x0a7a, version: [0, 1] });
    expect(got.cortex).toEqual({ timestamps: [1e-3, 0.125, 3, 3, 5.5], node_ids: [2, 2, 0, 7, 4], ts_dtype: '<f8', id_dtype: '<u8', units: 'ms', sorting: 'by_time' });
    expect(got.thalamus).toEqual({ timestamps: [1, 2], node_ids: [0, 1], ts_dtype: '<f8', id_dtype: '<u8', units: 'ms', sorting: 'by_time' });
  });
});
