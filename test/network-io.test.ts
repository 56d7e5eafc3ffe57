/**
 * tvbo Network persistence: the 76-region connectivity through YAML sidecar + HDF5 companion with
 * max abs difference exactly 0, the 16k cortex + region mapping as a linked pair, the companion
 * layout as h5py/PyYAML see it, CSR storage, and the bad-input errors.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared.js';
import { HAVE_PY, PY_SKIP, py } from '../tools/python-clients.js';
import { readTvbConnectivityZip } from '../src/network/tvb-zip.js';
import { Connectivity } from '../src/network/connectivity.js';
import { Network } from '../src/network/network.js';
import { readRegionMapping, readTvbSurfaceZip } from '../src/network/surface.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vbt-netio-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
};

describe.skipIf(!HAVE_SHARED)(`Network round trips with TVB data ${HAVE_SHARED ? '' : SKIP_REASON}`, () => {
  it('76 regions: fromTvb → save → fromFile → toTvb is lossless', async () => {
    const conn = readTvbConnectivityZip(sharedPath('data/tvb/connectivity_76.zip'));
    const p = join(dir, 'dk76.yaml');
    const { companion } = await Network.fromTvb(conn).save(p);
    expect(companion).toBe(join(dir, 'dk76.h5'));
    const net = await Network.fromFile(p);
    expect(net.numberOfNodes).toBe(76);
    expect(net.descriptor).toBe('SC');
    expect([...net.edges.keys()]).toEqual(['weights', 'lengths']);
    const c = net.toTvb();
    expect(maxAbs(c.weights, conn.weights)).toBe(0);
    expect(maxAbs(c.tractLengths, conn.tractLengths)).toBe(0);
    expect(maxAbs(c.centres, conn.centres)).toBe(0);
    expect(maxAbs(c.areas, conn.areas)).toBe(0);
    expect(maxAbs(c.orientations, conn.orientations)).toBe(0);
    expect(c.labels).toEqual(conn.labels);
    expect(c.cortical).toEqual(conn.cortical);
    expect(c.hemispheres).toEqual(conn.hemispheres);
    expect(c.speed).toBe(conn.speed);
    // the .json sidecar variant and the companion alone (it names its sidecar) load the same network
    await Network.fromTvb(conn).save(join(dir, 'dk76j.json'));
    expect(maxAbs((await Network.fromFile(join(dir, 'dk76j.json'))).toTvb().weights, conn.weights)).toBe(0);
    expect((await Network.fromFile(companion)).labels).toEqual(conn.labels);
  });

  it.skipIf(!HAVE_PY)(`companion and sidecar as h5py and PyYAML see them ${HAVE_PY ? '' : PY_SKIP}`, async () => {
    const conn = readTvbConnectivityZip(sharedPath('data/tvb/connectivity_76.zip'));
    await Network.fromTvb(conn).save(join(dir, 'py76.yaml'));
    const r = py(`
import sys, json, h5py, yaml
s = yaml.safe_load(open(sys.argv[1]))
f = h5py.File(sys.argv[2], 'r')
w = f['edges/weights']
print(json.dumps({'keys': list(s.keys()), 'node0': s['nodes'][0], 'edges': s['edges'], 'params': s['parameters'],
  'root': {k: str(v) for k, v in f.attrs.items()}, 'wattrs': {k: (v.tolist() if hasattr(v, 'tolist') else str(v)) for k, v in w.attrs.items()},
  'w': w['data'][()].ravel().tolist(), 'wdtype': str(w['data'].dtype), 'scales': [[d.name for d in w['data'].dims[i].values()] for i in range(2)],
  'rowlabels': [x.decode() if isinstance(x, bytes) else x for x in w['_dim_row_labels'][()]][:2],
  'coords': f['nodes/coordinates'][()].ravel().tolist(), 'orient': list(f['nodes/orientations'].shape)}))
`, join(dir, 'py76.yaml'), join(dir, 'py76.h5'));
    expect(r.keys).toEqual(['tvbo_class', 'schema_version', 'label', 'description', 'number_of_nodes', 'descriptor', 'distance_unit', 'time_unit', 'data_file', 'parameters', 'nodes', 'edges']);
    expect(r.node0).toEqual({ id: 0, label: 'rA1', position: { x: conn.centres[0], y: conn.centres[1], z: conn.centres[2] }, parameters: { cortical: 1, area: conn.areas[0], hemisphere: 1 } });
    expect(r.edges.map((e: { label: string; unit: string; format: string; directed: boolean }) => [e.label, e.unit, e.format, e.directed])).toEqual([['weights', 'a.u.', 'dense', true], ['lengths', 'mm', 'dense', false]]);
    expect(r.params).toEqual({ conduction_speed: { label: 'v', value: 3, unit: 'mm_per_ms' } });
    expect(r.root).toEqual({ tvbo_class: 'tvbo:Network', sidecar_file: 'py76.yaml', schema_version: 'tvb-datamodel/0.7.0' });
    expect(r.wattrs.tvbo_class).toBe('tvbo:Matrix');
    expect(r.wattrs.format).toBe('dense');
    expect(r.wattrs.shape).toEqual([76, 76]);
    expect(r.wattrs.directed).toBe(1);
    expect(r.wdtype).toBe('float64');
    expect(maxAbs(r.w, conn.weights)).toBe(0);
    expect(r.scales).toEqual([['/edges/weights/_dim_row_labels'], ['/edges/weights/_dim_col_labels']]);
    expect(r.rowlabels).toEqual(['rA1', 'rA2']);
    expect(maxAbs(r.coords, conn.centres)).toBe(0);
    expect(r.orient).toEqual([76, 3]);
  });

  it('16k cortex + region mapping: a linked region/surface pair that round-trips', async () => {
    const conn = readTvbConnectivityZip(sharedPath('data/tvb/connectivity_76.zip'));
    const cortex = readTvbSurfaceZip(sharedPath('data/tvb/cortex_16384.zip'));
    expect(cortex.vertices.length).toBe(16384 * 3);
    const mapping = readRegionMapping(sharedPath('data/tvb/regionMapping_16k_76.txt'), 16384, 76);
    const { region, surface } = Network.fromTvbSurface(conn, cortex, mapping);
    await region.save(join(dir, 'region.yaml'));
    await surface.save(join(dir, 'cortex.yaml'));
    const side = readFileSync(join(dir, 'cortex.yaml'), 'utf8');
    expect(side).toContain('parent_network: region.yaml');
    expect(side).toContain('node_mapping: /mesh/region_mapping');
    expect(side).toContain('descriptor: surface');
    const back = await Network.fromFile(join(dir, 'cortex.yaml'));
    expect(back.numberOfNodes).toBe(16384);
    expect(back.label).toBe('Surface (16384 vertices, 32760 triangles)');
    expect(back.parent!.numberOfNodes).toBe(76);
    expect(maxAbs(back.parent!.toTvb().weights, conn.weights)).toBe(0);
    expect(maxAbs(back.mesh!.vertices, cortex.vertices)).toBe(0);
    expect(maxAbs(back.mesh!.elements, cortex.triangles)).toBe(0);
    expect(maxAbs(back.mesh!.normals, cortex.normals)).toBe(0);
    expect(maxAbs(back.parentIndex!, mapping)).toBe(0);
    expect(back.nodes[5].position).toEqual({ x: cortex.vertices[15], y: cortex.vertices[16], z: cortex.vertices[17] });
    if (HAVE_PY) {
      const r = py(`
import sys, json, h5py
f = h5py.File(sys.argv[1], 'r')
m = f['mesh']
print(json.dumps({'attrs': {k: (v.item() if hasattr(v, 'item') else str(v)) for k, v in m.attrs.items()}, 'v': list(m['vertices'].shape), 'e': [list(m['elements'].shape), str(m['elements'].dtype)],
  'map': [str(m['region_mapping'].dtype), int(m['region_mapping'][()].max()), int(m['region_mapping'][()][:100].sum())], 'gzip': m['vertices'].compression}))
`, join(dir, 'cortex.h5'));
      expect(r.attrs).toEqual({ element_type: 'triangle', number_of_elements: 32760, number_of_vertices: 16384, tvbo_class: 'tvbo:Mesh' });
      expect(r.v).toEqual([16384, 3]);
      expect(r.e).toEqual([[32760, 3], 'int32']);
      expect(r.map).toEqual(['int32', 75, Array.from(mapping.subarray(0, 100)).reduce((a, b) => a + b, 0)]);
      expect(r.gzip).toBe('gzip');
    }
  });
});

describe('Network storage formats and bad input', () => {
  const sparse = () => {
    const n = 600;
    const w = new Float64Array(n * n);
    for (let i = 0; i < n; i++) w[i * n + ((i * 7 + 3) % n)] = 1 + i / 10;
    return new Connectivity({ n, weights: w, tractLengths: w.map((x) => x * 2), labels: Array.from({ length: n }, (_, i) => `n${i}`) });
  };

  it('stores large sparse matrices as CSR and reads them back exactly', async () => {
    const conn = sparse();
    await Network.fromTvb(conn).save(join(dir, 'sparse.yaml'));
    expect(readFileSync(join(dir, 'sparse.yaml'), 'utf8')).toContain('format: csr');
    const back = (await Network.fromFile(join(dir, 'sparse.yaml'))).toTvb();
    expect(maxAbs(back.weights, conn.weights)).toBe(0);
    expect(maxAbs(back.tractLengths, conn.tractLengths)).toBe(0);
  });

  it('names the missing companion, the unknown schema version and mismatched shapes', async () => {
    const conn = new Connectivity({ weights: [0, 1, 2, 0], tractLengths: [0, 5, 5, 0], centres: [0, 0, 0, 1, 1, 1], labels: ['a', 'b'] });
    const p = join(dir, 'small.yaml');
    await Network.fromTvb(conn).save(p);
    const text = readFileSync(p, 'utf8');

    writeFileSync(join(dir, 'nocomp.yaml'), text.replace('data_file: small.h5', 'data_file: gone.h5'));
    await expect(Network.fromFile(join(dir, 'nocomp.yaml'))).rejects.toThrow(/nocomp\.yaml: data_file 'gone\.h5' not found/);
    writeFileSync(join(dir, 'csv.yaml'), text.replace('data_file: small.h5', 'data_file: weights.csv'));
    await expect(Network.fromFile(join(dir, 'csv.yaml'))).rejects.toThrow(/data_file 'weights\.csv' is a legacy CSV companion; vbt reads HDF5 \(\.h5\) companions only/);
    writeFileSync(join(dir, 'future.yaml'), text.replace('tvb-datamodel/0.7.0', 'tvb-datamodel/2.0.0'));
    await expect(Network.fromFile(join(dir, 'future.yaml'))).rejects.toThrow(/unknown schema_version 'tvb-datamodel\/2\.0\.0'/);
    writeFileSync(join(dir, 'three.yaml'), text.replace('number_of_nodes: 2', 'number_of_nodes: 3'));
    await expect(Network.fromFile(join(dir, 'three.yaml'))).rejects.toThrow(/2 nodes listed but number_of_nodes is 3|shape \[2, 2\] but number_of_nodes is 3/);
    writeFileSync(join(dir, 'notnet.yaml'), text.replace('tvbo_class: tvbo:Network', 'tvbo_class: tvbo:Dynamics'));
    await expect(Network.fromFile(join(dir, 'notnet.yaml'))).rejects.toThrow(/tvbo_class is 'tvbo:Dynamics', expected tvbo:Network/);
    await expect(Network.fromFile(join(dir, 'absent.yaml'))).rejects.toThrow(/absent\.yaml: no such network sidecar/);
    writeFileSync(join(dir, 'trunc.h5'), readFileSync(join(dir, 'small.h5')).subarray(0, 800));
    writeFileSync(join(dir, 'trunc.yaml'), text.replace('data_file: small.h5', 'data_file: trunc.h5'));
    await expect(Network.fromFile(join(dir, 'trunc.yaml'))).rejects.toThrow(/trunc\.h5: truncated HDF5 file/);

    expect(() => new Network({ numberOfNodes: 3, edges: [{ name: 'weights', data: new Float64Array(4), shape: [2, 2] }] })).toThrow(/edge 'weights' has 2 rows but the network has 3 nodes/);
    const child = new Network({ numberOfNodes: 2, parent: Network.fromTvb(conn), parentIndex: Int32Array.of(0, 1) });
    const before = readdirSync(dir).sort();
    await expect(child.save(join(dir, 'orphan.yaml'))).rejects.toThrow(/save the parent network first/);
    await expect(Network.fromTvb(conn).save(join(dir, 'wrong.txt'))).rejects.toThrow(/must end in \.yaml, \.yml or \.json/);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(existsSync(join(dir, 'orphan.h5'))).toBe(false);
    expect(() => new Network({ numberOfNodes: 2, parent: Network.fromTvb(conn), parentIndex: Int32Array.of(0, 5) })).toThrow(/parent index entry 1 \(5\) is not a node of the parent network \(0\.\.1\)/);
  });
});
