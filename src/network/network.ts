/**
 * A network in tvbo's persistence layout: a YAML sidecar (`tvbo_class: tvbo:Network`,
 * `schema_version: tvb-datamodel/0.7.0`, nodes, template edges, parameters) beside an HDF5
 * companion holding the matrices (`/edges/<name>/data`, dense or CSR), per-node arrays
 * (`/nodes/...`) and, for surface networks, the mesh (`/mesh/...`) and the vertex → region mapping.
 * Values keep float64 precision so a TVB connectivity goes through save/fromFile unchanged.
 *
 * @example
 * ```ts
 * import { Network, readTvbConnectivityZip } from 'vbt';
 * const net = Network.fromTvb(readTvbConnectivityZip('../shared/data/tvb/connectivity_76.zip'));
 * await net.save('out/dk76.yaml');                // writes out/dk76.yaml + out/dk76.h5
 * const back = await Network.fromFile('out/dk76.yaml');
 * back.toTvb().weights;                           // identical to the zip's weights
 * ```
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import yaml from 'js-yaml';
import { Connectivity, DEFAULT_SPEED } from './connectivity.js';
import type { Surface } from './surface.js';
import { checkOutputPath, writeFileAtomic, type WriteOptions } from '../io/atomic.js';
import { attrOpt, has, isDataset, putAttr, readNumeric, withH5, writeH5Atomic, type H5File, type H5Group } from '../io/h5.js';

export const NETWORK_SCHEMA_VERSION = 'tvb-datamodel/0.7.0';
const KNOWN_SCHEMA = /^tvb-datamodel\/0\.\d+(\.\d+)?$/;

export interface NetworkNode {
  id: number;
  label: string;
  position?: { x: number; y: number; z: number };
  parameters?: Record<string, number | string | boolean>;
}

export type MatrixFormat = 'dense' | 'csr' | 'coo';

export interface NetworkEdge {
  name: string;
  /** rows*cols row-major (row = target, column = source, TVB's orientation). */
  data: Float64Array;
  shape: [number, number];
  unit?: string;
  directed?: boolean;
  /** Storage in the companion; default chosen as tvbo does (dense when N < 500 or fill > 30 %). */
  format?: MatrixFormat;
}

export interface Mesh {
  elementType: 'triangle';
  /** V*3 */
  vertices: Float64Array;
  /** E*3 */
  elements: Int32Array;
  /** V*3 or empty */
  normals: Float64Array;
}

export interface NetworkInit {
  label?: string;
  description?: string;
  numberOfNodes: number;
  descriptor?: string;
  distanceUnit?: string;
  timeUnit?: string;
  nodes?: NetworkNode[];
  edges?: NetworkEdge[];
  parameters?: Record<string, { label?: string; value: number; unit?: string }>;
  /** Extra per-node arrays stored under /nodes/<name> (first axis = node). */
  nodeArrays?: Record<string, { data: Float64Array; shape: number[] }>;
  mesh?: Mesh;
  parent?: Network;
  /** Child → parent node index (length numberOfNodes), with the parent network. */
  parentIndex?: Int32Array;
  /** Dataset path of the mapping in the companion (tvbo: /nodes/parent_index; surfaces: /mesh/region_mapping). */
  nodeMapping?: string;
  provenance?: Record<string, unknown>;
}

function autoFormat(e: NetworkEdge): MatrixFormat {
  const [r, c] = e.shape;
  let nnz = 0;
  for (const v of e.data) if (v !== 0) nnz++;
  return Math.max(r, c) < 500 || nnz / (r * c) > 0.3 ? 'dense' : 'csr';
}

const TVB_NODE_PARAMS = new Set(['cortical', 'area', 'hemisphere']);

export class Network {
  label: string;
  description: string;
  readonly numberOfNodes: number;
  descriptor: string;
  distanceUnit: string;
  timeUnit: string;
  readonly nodes: NetworkNode[];
  readonly edges: Map<string, NetworkEdge>;
  readonly parameters: Record<string, { label?: string; value: number; unit?: string }>;
  readonly nodeArrays: Record<string, { data: Float64Array; shape: number[] }>;
  readonly mesh?: Mesh;
  readonly parent?: Network;
  readonly parentIndex?: Int32Array;
  readonly nodeMapping?: string;
  provenance?: Record<string, unknown>;
  /** Where this network was last saved to or loaded from (sidecar path). */
  path?: string;

  constructor(init: NetworkInit) {
    const n = init.numberOfNodes;
    if (!Number.isInteger(n) || n < 1) throw new Error(`Network: number_of_nodes must be a positive integer, got ${n}`);
    this.numberOfNodes = n;
    this.label = init.label ?? '';
    this.description = init.description ?? '';
    this.descriptor = init.descriptor ?? '';
    this.distanceUnit = init.distanceUnit ?? 'mm';
    this.timeUnit = init.timeUnit ?? 'ms';
    this.nodes = init.nodes ?? Array.from({ length: n }, (_, i) => ({ id: i, label: `node_${i}` }));
    if (this.nodes.length !== n) throw new Error(`Network: ${this.nodes.length} nodes listed but number_of_nodes is ${n}`);
    this.edges = new Map();
    for (const e of init.edges ?? []) {
      const [r, c] = e.shape;
      if (e.data.length !== r * c) throw new Error(`Network: edge '${e.name}' has ${e.data.length} values for shape [${r}, ${c}]`);
      if (r !== n) throw new Error(`Network: edge '${e.name}' has ${r} rows but the network has ${n} nodes`);
      if (this.edges.has(e.name)) throw new Error(`Network: edge '${e.name}' given twice`);
      this.edges.set(e.name, e);
    }
    this.parameters = init.parameters ?? {};
    this.nodeArrays = init.nodeArrays ?? {};
    for (const [k, a] of Object.entries(this.nodeArrays)) {
      if (a.shape[0] !== n) throw new Error(`Network: node array '${k}' has first dimension ${a.shape[0]}, expected ${n} (nodes)`);
    }
    if (init.mesh) {
      const m = init.mesh;
      if (m.vertices.length !== 3 * n) throw new Error(`Network: mesh has ${m.vertices.length / 3} vertices but the network has ${n} nodes`);
      const bad = m.elements.findIndex((k) => k < 0 || k >= n);
      if (bad >= 0) throw new Error(`Network: mesh element entry ${bad} (${m.elements[bad]}) is not a vertex index in 0..${n - 1}`);
      if (m.normals.length && m.normals.length !== 3 * n) throw new Error(`Network: mesh has ${m.normals.length / 3} normals for ${n} vertices`);
    }
    this.mesh = init.mesh;
    if ((init.parent === undefined) !== (init.parentIndex === undefined)) throw new Error('Network: a parent network needs a parentIndex and vice versa');
    if (init.parent && init.parentIndex) {
      if (init.parentIndex.length !== n) throw new Error(`Network: parent index has ${init.parentIndex.length} entries for ${n} nodes`);
      const m = init.parent.numberOfNodes;
      const bad = init.parentIndex.findIndex((k) => k < 0 || k >= m);
      if (bad >= 0) throw new Error(`Network: parent index entry ${bad} (${init.parentIndex[bad]}) is not a node of the parent network (0..${m - 1})`);
    }
    this.parent = init.parent;
    this.parentIndex = init.parentIndex;
    this.nodeMapping = init.nodeMapping ?? (init.parent ? '/nodes/parent_index' : undefined);
    this.provenance = init.provenance;
  }

  /** A named matrix (weights, lengths, ...) as rows*cols row-major. */
  matrix(name: string): Float64Array {
    const e = this.edges.get(name);
    if (!e) throw new Error(`Network: no edge '${name}'; edges are ${[...this.edges.keys()].join(', ') || 'none'}`);
    return e.data;
  }

  get labels(): string[] {
    return this.nodes.map((n) => n.label);
  }

  /** Region network from a TVB Connectivity: weights and lengths as edges, node metadata as node parameters. */
  static fromTvb(conn: Connectivity, opts: { label?: string; description?: string } = {}): Network {
    const n = conn.n;
    const nodes: NetworkNode[] = conn.labels.map((label, i) => {
      const node: NetworkNode = { id: i, label };
      if (conn.centres.length) node.position = { x: conn.centres[3 * i], y: conn.centres[3 * i + 1], z: conn.centres[3 * i + 2] };
      const p: Record<string, number | string | boolean> = {};
      if (conn.cortical.length) p.cortical = conn.cortical[i] ? 1 : 0;
      if (conn.areas.length) p.area = conn.areas[i];
      if (conn.hemispheres.length) p.hemisphere = conn.hemispheres[i] ? 1 : 0;
      for (const [k, col] of Object.entries(conn.nodeMetadata ?? {})) {
        const v = col[i];
        if (TVB_NODE_PARAMS.has(k)) throw new Error(`Network.fromTvb: node metadata column '${k}' clashes with a TVB node parameter`);
        if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') p[k] = v;
        else throw new Error(`Network.fromTvb: node metadata '${k}'[${i}] is ${typeof v}; only numbers, strings and booleans are stored`);
      }
      if (Object.keys(p).length) node.parameters = p;
      return node;
    });
    const directed = !conn.undirected;
    const nodeArrays: Record<string, { data: Float64Array; shape: number[] }> = {};
    if (conn.orientations.length) nodeArrays.orientations = { data: Float64Array.from(conn.orientations), shape: [n, 3] };
    return new Network({
      label: opts.label ?? (conn.name || 'connectivity'),
      description: opts.description ?? (conn.source ? `TVB connectivity from ${conn.source}` : ''),
      numberOfNodes: n,
      descriptor: 'SC',
      nodes,
      edges: [
        { name: 'weights', data: Float64Array.from(conn.weights), shape: [n, n], unit: 'a.u.', directed },
        { name: 'lengths', data: Float64Array.from(conn.tractLengths), shape: [n, n], unit: 'mm', directed: !isSymmetric(conn.tractLengths, n) },
      ],
      parameters: { conduction_speed: { label: 'v', value: conn.speed, unit: 'mm_per_ms' } },
      nodeArrays,
    });
  }

  /**
   * The region network plus a child surface network (one node per vertex, the mesh, and the
   * vertex → region mapping at /mesh/region_mapping), linked as tvbo links them.
   */
  static fromTvbSurface(conn: Connectivity, surface: Surface, regionMapping: Int32Array): { region: Network; surface: Network } {
    const region = Network.fromTvb(conn);
    const nv = surface.vertices.length / 3;
    if (regionMapping.length !== nv) throw new Error(`Network.fromTvbSurface: region mapping has ${regionMapping.length} entries for ${nv} vertices`);
    const ne = surface.triangles.length / 3;
    const child = new Network({
      label: `Surface (${nv} vertices, ${ne} triangles)`,
      numberOfNodes: nv,
      descriptor: 'surface',
      nodes: Array.from({ length: nv }, (_, i) => ({ id: i, label: `vertex_${i}`, position: { x: surface.vertices[3 * i], y: surface.vertices[3 * i + 1], z: surface.vertices[3 * i + 2] } })),
      mesh: { elementType: 'triangle', vertices: surface.vertices, elements: surface.triangles, normals: surface.normals },
      parent: region,
      parentIndex: regionMapping,
      nodeMapping: '/mesh/region_mapping',
    });
    return { region, surface: child };
  }

  /** Back to a TVB Connectivity (needs 'weights'; 'lengths' when present, else Euclidean from positions). */
  toTvb(): Connectivity {
    const n = this.numberOfNodes;
    const w = this.edges.get('weights') ?? this.edges.get('weight');
    if (!w) throw new Error(`Network.toTvb: no 'weights' edge (edges: ${[...this.edges.keys()].join(', ') || 'none'})`);
    if (w.shape[1] !== n) throw new Error(`Network.toTvb: weights are ${w.shape.join('×')}, expected ${n}×${n}`);
    const l = this.edges.get('lengths') ?? this.edges.get('length') ?? this.edges.get('tract_lengths');
    const hasPos = this.nodes.every((x) => x.position);
    const centres = hasPos ? this.nodes.flatMap((x) => [x.position!.x, x.position!.y, x.position!.z]) : undefined;
    const col = (k: string) => (this.nodes.every((x) => x.parameters?.[k] !== undefined) ? this.nodes.map((x) => x.parameters![k]) : undefined);
    const cortical = col('cortical')?.map((v) => Number(v) !== 0);
    const hemispheres = col('hemisphere')?.map((v) => Number(v) !== 0);
    const areas = col('area')?.map(Number);
    const extra = new Set<string>();
    for (const x of this.nodes) for (const k of Object.keys(x.parameters ?? {})) if (!TVB_NODE_PARAMS.has(k)) extra.add(k);
    const nodeMetadata: Record<string, unknown[]> = {};
    for (const k of extra) nodeMetadata[k] = this.nodes.map((x) => x.parameters?.[k]);
    return new Connectivity({
      n,
      weights: w.data,
      tractLengths: l?.data,
      centres,
      labels: this.labels,
      cortical,
      hemispheres,
      areas,
      orientations: this.nodeArrays.orientations?.data,
      speed: this.parameters.conduction_speed?.value ?? DEFAULT_SPEED,
      nodeMetadata: extra.size ? nodeMetadata : undefined,
      name: this.label,
      source: this.path ?? '',
    });
  }

  /** The sidecar as a plain object, keys in tvbo's order, absent keys omitted. */
  sidecar(dataFile: string, parentPath?: string): Record<string, unknown> {
    const s: Record<string, unknown> = { tvbo_class: 'tvbo:Network', schema_version: NETWORK_SCHEMA_VERSION };
    if (this.label) s.label = this.label;
    if (this.description) s.description = this.description;
    s.number_of_nodes = this.numberOfNodes;
    if (this.descriptor) s.descriptor = this.descriptor;
    s.distance_unit = this.distanceUnit;
    s.time_unit = this.timeUnit;
    s.data_file = dataFile;
    if (this.parent) {
      s.parent_network = parentPath;
      s.node_mapping = this.nodeMapping;
    }
    if (this.provenance) s.provenance = this.provenance;
    if (Object.keys(this.parameters).length) s.parameters = this.parameters;
    if (!this.implicitNodes()) {
      s.nodes = this.nodes.map((x) => {
        const o: Record<string, unknown> = { id: x.id, label: x.label };
        if (x.position) o.position = { ...x.position };
        if (x.parameters) o.parameters = { ...x.parameters };
        return o;
      });
    }
    if (this.edges.size) {
      s.edges = [...this.edges.values()].map((e) => {
        const o: Record<string, unknown> = { label: e.name, format: e.format ?? autoFormat(e) };
        if (e.unit) o.unit = e.unit;
        o.weighted = true;
        if (e.directed !== undefined) o.directed = e.directed;
        o.dimension_labels = ['target', 'source'];
        return o;
      });
    }
    return s;
  }

  /** Nodes that the sidecar can leave out: node_i placeholders, or surface vertices carried by the mesh. */
  private implicitNodes(): boolean {
    const plain = this.nodes.every((x, i) => x.id === i && x.label === `node_${i}` && !x.position && !x.parameters);
    if (plain) return true;
    if (!this.mesh) return false;
    const v = this.mesh.vertices;
    return this.nodes.every((x, i) => x.id === i && x.label === `vertex_${i}` && !x.parameters && x.position && x.position.x === v[3 * i] && x.position.y === v[3 * i + 1] && x.position.z === v[3 * i + 2]);
  }

  private fillCompanion(f: H5File, sidecarName: string): void {
    putAttr.str(f, 'tvbo_class', 'tvbo:Network');
    putAttr.str(f, 'sidecar_file', sidecarName);
    putAttr.str(f, 'schema_version', NETWORK_SCHEMA_VERSION);
    const n = this.numberOfNodes;
    if (this.edges.size) {
      const eg = f.create_group('edges');
      for (const e of this.edges.values()) {
        const g = eg.create_group(e.name);
        const format = e.format ?? autoFormat(e);
        putAttr.str(g, 'tvbo_class', 'tvbo:Matrix');
        putAttr.str(g, 'format', format);
        putAttr.i64List(g, 'shape', e.shape);
        if (e.directed !== undefined) g.create_attribute('directed', e.directed ? 1 : 0, null, '<b');
        if (e.unit) putAttr.str(g, 'unit', e.unit);
        const [r, c] = e.shape;
        if (format === 'dense') {
          const d = g.create_dataset({ name: 'data', data: e.data, shape: [r, c], dtype: '<d', chunks: [Math.min(r, 128), Math.min(c, 128)] });
          if (r === n && c === n) {
            const rl = g.create_dataset({ name: '_dim_row_labels', data: this.labels, shape: [n] });
            rl.make_scale('target');
            const cl = g.create_dataset({ name: '_dim_col_labels', data: this.labels, shape: [n] });
            cl.make_scale('source');
            d.attach_scale(0, `${g.path}/_dim_row_labels`);
            d.attach_scale(1, `${g.path}/_dim_col_labels`);
          }
        } else if (format === 'csr') {
          const indptr = new Int32Array(r + 1);
          const idx: number[] = [], vals: number[] = [];
          for (let i = 0; i < r; i++) {
            for (let j = 0; j < c; j++) {
              const v = e.data[i * c + j];
              if (v !== 0) { idx.push(j); vals.push(v); }
            }
            indptr[i + 1] = idx.length;
          }
          g.create_dataset({ name: 'data', data: Float64Array.from(vals), shape: [vals.length], dtype: '<d' });
          g.create_dataset({ name: 'indices', data: Int32Array.from(idx), shape: [idx.length], dtype: '<i' });
          g.create_dataset({ name: 'indptr', data: indptr, shape: [r + 1], dtype: '<i' });
        } else {
          throw new Error(`Network.save: edge '${e.name}': writing format '${format}' is not supported (dense, csr)`);
        }
      }
    }
    const ng = f.create_group('nodes');
    if (this.nodes.every((x) => x.position)) {
      ng.create_dataset({ name: 'coordinates', data: Float64Array.from(this.nodes.flatMap((x) => [x.position!.x, x.position!.y, x.position!.z])), shape: [n, 3], dtype: '<d' });
    }
    for (const [k, a] of Object.entries(this.nodeArrays)) ng.create_dataset({ name: k, data: a.data, shape: a.shape, dtype: '<d' });
    if (this.parentIndex && this.nodeMapping === '/nodes/parent_index') ng.create_dataset({ name: 'parent_index', data: this.parentIndex, shape: [n], dtype: '<i' });
    if (this.mesh) {
      const m = this.mesh;
      const mg = f.create_group('mesh');
      putAttr.str(mg, 'tvbo_class', 'tvbo:Mesh');
      putAttr.str(mg, 'element_type', m.elementType);
      putAttr.i64(mg, 'number_of_vertices', m.vertices.length / 3);
      putAttr.i64(mg, 'number_of_elements', m.elements.length / 3);
      const rows = (len: number) => [Math.max(1, Math.min(len, 4096)), 3];
      mg.create_dataset({ name: 'vertices', data: m.vertices, shape: [m.vertices.length / 3, 3], dtype: '<d', chunks: rows(m.vertices.length / 3), compression: 'gzip', compression_opts: 4 });
      mg.create_dataset({ name: 'elements', data: m.elements, shape: [m.elements.length / 3, 3], dtype: '<i', chunks: rows(m.elements.length / 3), compression: 'gzip', compression_opts: 4 });
      if (m.normals.length) mg.create_dataset({ name: 'normals', data: m.normals, shape: [m.normals.length / 3, 3], dtype: '<d', chunks: rows(m.normals.length / 3), compression: 'gzip', compression_opts: 4 });
      if (this.parentIndex && this.nodeMapping === '/mesh/region_mapping') mg.create_dataset({ name: 'region_mapping', data: this.parentIndex, shape: [n], dtype: '<i' });
    }
    if (this.parentIndex && this.nodeMapping !== '/nodes/parent_index' && this.nodeMapping !== '/mesh/region_mapping') {
      throw new Error(`Network.save: node_mapping '${this.nodeMapping}' must be /nodes/parent_index or /mesh/region_mapping`);
    }
  }

  /**
   * Write `<path>` (YAML sidecar; `.json` also accepted) and its HDF5 companion (same stem, `.h5`).
   * A child network needs its parent saved first; the sidecar then refers to it by relative path.
   * Both files are written atomically; if the sidecar cannot be written, the companion is removed.
   */
  async save(path: string, opts: WriteOptions = {}): Promise<{ sidecar: string; companion: string }> {
    const ext = extname(path).toLowerCase();
    if (!['.yaml', '.yml', '.json'].includes(ext)) throw new Error(`Network.save: ${path}: the sidecar must end in .yaml, .yml or .json`);
    const companion = join(dirname(path), `${basename(path, extname(path))}.h5`);
    let parentPath: string | undefined;
    if (this.parent) {
      if (!this.parent.path) throw new Error('Network.save: save the parent network first (its path goes into parent_network)');
      parentPath = relative(dirname(resolve(path)), resolve(this.parent.path)) || basename(this.parent.path);
    }
    const side = this.sidecar(basename(companion), parentPath);
    const text = ext === '.json' ? JSON.stringify(side, null, 2) + '\n' : yaml.dump(side, { lineWidth: -1, noRefs: true });
    const existed = existsSync(companion);
    checkOutputPath(path, opts);
    await writeH5Atomic(companion, (f) => this.fillCompanion(f, basename(path)), opts);
    try {
      writeFileAtomic(path, text, opts);
    } catch (e) {
      if (!existed) rmSync(companion, { force: true });
      throw e;
    }
    this.path = path;
    return { sidecar: path, companion };
  }

  /** Read a sidecar (.yaml/.yml/.json) and its companion, or a single .h5 carrying `tvbo_metadata`. */
  static async fromFile(path: string, seen: Set<string> = new Set()): Promise<Network> {
    const full = resolve(path);
    if (seen.has(full)) throw new Error(`${path}: parent_network chain loops back to this file`);
    seen.add(full);
    const ext = extname(path).toLowerCase();
    let side: Record<string, unknown>;
    let companion: string;
    if (ext === '.h5') {
      companion = path;
      side = await withH5(path, (f) => {
        const meta = attrOpt(f, 'tvbo_metadata');
        const sc = attrOpt(f, 'sidecar_file');
        if (typeof meta === 'string') return JSON.parse(meta) as Record<string, unknown>;
        if (typeof sc === 'string' && existsSync(join(dirname(path), sc))) return { __sidecar: join(dirname(path), sc) };
        throw new Error(`${path}: no tvbo_metadata attribute and no sidecar file next to it; open the .yaml sidecar instead`);
      });
      if (typeof side.__sidecar === 'string') return Network.fromFile(side.__sidecar, seen);
    } else {
      if (!existsSync(path)) throw new Error(`${path}: no such network sidecar`);
      try {
        const text = readFileSync(path, 'utf8');
        side = (ext === '.json' ? JSON.parse(text) : yaml.load(text)) as Record<string, unknown>;
      } catch (e) {
        throw new Error(`${path}: cannot parse the sidecar: ${(e as Error).message}`);
      }
      if (!side || typeof side !== 'object') throw new Error(`${path}: the sidecar is not a mapping`);
      if (typeof side.data_file !== 'string') throw new Error(`${path}: the sidecar has no data_file (the HDF5 companion)`);
      if (/\.(zarr\/?|csv)$/i.test(side.data_file)) throw new Error(`${path}: data_file '${side.data_file}' is a ${side.data_file.endsWith('csv') ? 'legacy CSV' : 'Zarr'} companion; vbt reads HDF5 (.h5) companions only`);
      companion = join(dirname(path), side.data_file);
      if (!existsSync(companion)) throw new Error(`${path}: data_file '${side.data_file}' not found (looked for ${companion})`);
    }
    const cls = String(side.tvbo_class ?? '').replace(/^tvbo:/, '');
    if (cls !== 'Network') throw new Error(`${path}: tvbo_class is '${String(side.tvbo_class)}', expected tvbo:Network`);
    const version = String(side.schema_version ?? '');
    if (!KNOWN_SCHEMA.test(version)) throw new Error(`${path}: unknown schema_version '${version}'; vbt reads tvb-datamodel/0.x (writes ${NETWORK_SCHEMA_VERSION})`);
    const n = Number(side.number_of_nodes ?? side.number_of_regions ?? 1);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${path}: number_of_nodes is ${String(side.number_of_nodes)}; expected a positive integer`);

    let parent: Network | undefined;
    if (typeof side.parent_network === 'string') {
      const pp = isAbsolute(side.parent_network) ? side.parent_network : join(dirname(path), side.parent_network);
      parent = await Network.fromFile(pp, seen);
    }
    const mappingPath = typeof side.node_mapping === 'string' ? side.node_mapping : parent ? '/nodes/parent_index' : undefined;

    return withH5(companion, (f) => {
      const edges: NetworkEdge[] = [];
      const declared = Array.isArray(side.edges) ? (side.edges as Record<string, unknown>[]).filter((e) => e.source === undefined && e.target === undefined) : [];
      const names = declared.length ? declared.map((e) => String(e.label ?? e.name)) : has(f, 'edges') ? (f.get('edges') as H5Group).keys() : [];
      for (const name of names) {
        const gp = `edges/${name}`;
        if (!has(f, gp)) throw new Error(`${companion}: the sidecar declares edge '${name}' but /${gp} is missing`);
        const g = f.get(gp) as H5Group;
        const decl = declared.find((e) => String(e.label ?? e.name) === name);
        edges.push(readMatrix(g, name, companion, n, decl));
      }
      const nodeArrays: Record<string, { data: Float64Array; shape: number[] }> = {};
      let coordinates: Float64Array | undefined;
      if (has(f, 'nodes')) {
        const ng = f.get('nodes') as H5Group;
        for (const k of ng.keys()) {
          if (!isDataset(ng.get(k))) continue;
          if (`/nodes/${k}` === mappingPath || k === 'parent_index') continue;
          const a = readNumeric(ng, k, companion);
          if (a.shape[0] !== n) throw new Error(`${companion}: /nodes/${k} has first dimension ${a.shape[0]}, expected ${n} (number_of_nodes)`);
          if (k === 'coordinates') coordinates = a.data;
          else nodeArrays[k] = a;
        }
      }
      let mesh: Mesh | undefined;
      if (has(f, 'mesh')) {
        const mg = f.get('mesh') as H5Group;
        const v = readNumeric(mg, 'vertices', companion);
        const el = readNumeric(mg, 'elements', companion);
        mesh = {
          elementType: 'triangle',
          vertices: v.data,
          elements: Int32Array.from(el.data),
          normals: has(mg, 'normals') ? readNumeric(mg, 'normals', companion).data : new Float64Array(0),
        };
      }
      let parentIndex: Int32Array | undefined;
      if (parent && mappingPath) {
        if (!has(f, mappingPath.replace(/^\//, ''))) throw new Error(`${companion}: node_mapping '${mappingPath}' not found`);
        parentIndex = Int32Array.from(readNumeric(f, mappingPath.replace(/^\//, ''), companion).data);
      }
      let nodes: NetworkNode[];
      if (Array.isArray(side.nodes)) {
        nodes = (side.nodes as Record<string, unknown>[]).map((x, i) => {
          const node: NetworkNode = { id: Number(x.id ?? i), label: String(x.label ?? `node_${i}`) };
          const p = x.position as Record<string, number> | undefined;
          if (p) node.position = { x: Number(p.x), y: Number(p.y), z: Number(p.z) };
          if (x.parameters && typeof x.parameters === 'object') node.parameters = { ...(x.parameters as Record<string, number>) };
          return node;
        });
        if (nodes.length !== n) throw new Error(`${path}: ${nodes.length} nodes listed but number_of_nodes is ${n}`);
      } else if (mesh && !declared.length && String(side.descriptor) === 'surface') {
        nodes = Array.from({ length: n }, (_, i) => ({ id: i, label: `vertex_${i}`, position: { x: mesh!.vertices[3 * i], y: mesh!.vertices[3 * i + 1], z: mesh!.vertices[3 * i + 2] } }));
      } else {
        nodes = Array.from({ length: n }, (_, i) => {
          const node: NetworkNode = { id: i, label: `node_${i}` };
          if (coordinates) node.position = { x: coordinates[3 * i], y: coordinates[3 * i + 1], z: coordinates[3 * i + 2] };
          return node;
        });
      }
      const params: Record<string, { label?: string; value: number; unit?: string }> = {};
      for (const [k, v] of Object.entries((side.parameters as Record<string, unknown>) ?? {})) {
        const o = v as { label?: string; value?: unknown; unit?: string };
        if (typeof o?.value === 'number') params[k] = { ...(o.label !== undefined ? { label: o.label } : {}), value: o.value, ...(o.unit !== undefined ? { unit: o.unit } : {}) };
      }
      const net = new Network({
        label: side.label as string | undefined,
        description: side.description as string | undefined,
        numberOfNodes: n,
        descriptor: side.descriptor as string | undefined,
        distanceUnit: side.distance_unit as string | undefined,
        timeUnit: side.time_unit as string | undefined,
        nodes,
        edges,
        parameters: params,
        nodeArrays,
        mesh,
        parent,
        parentIndex,
        nodeMapping: parent ? mappingPath : undefined,
        provenance: side.provenance as Record<string, unknown> | undefined,
      });
      net.path = path;
      return net;
    });
  }
}

function isSymmetric(a: ArrayLike<number>, n: number): boolean {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (a[i * n + j] !== a[j * n + i]) return false;
  return true;
}

function readMatrix(g: H5Group, name: string, file: string, n: number, decl: Record<string, unknown> | undefined): NetworkEdge {
  const format = String(attrOpt(g, 'format') ?? decl?.format ?? 'dense') as MatrixFormat;
  const shapeAttr = attrOpt(g, 'shape');
  const data = readNumeric(g, 'data', file);
  let shape: [number, number];
  if (Array.isArray(shapeAttr) && shapeAttr.length === 2) shape = [Number(shapeAttr[0]), Number(shapeAttr[1])];
  else if (format === 'dense' && data.shape.length === 2) shape = [data.shape[0], data.shape[1]];
  else throw new Error(`${file}: /edges/${name} has no usable shape attribute`);
  if (shape[0] !== n) throw new Error(`${file}: /edges/${name} has shape [${shape.join(', ')}] but number_of_nodes is ${n}`);
  const [r, c] = shape;
  let dense: Float64Array;
  if (format === 'dense') {
    if (data.data.length !== r * c) throw new Error(`${file}: /edges/${name}/data has ${data.data.length} values for shape [${r}, ${c}]`);
    dense = data.data;
  } else if (format === 'csr') {
    const indices = readNumeric(g, 'indices', file).data;
    const indptr = readNumeric(g, 'indptr', file).data;
    if (indptr.length !== r + 1) throw new Error(`${file}: /edges/${name}/indptr has ${indptr.length} entries, expected ${r + 1}`);
    if (indices.length !== data.data.length) throw new Error(`${file}: /edges/${name}: ${indices.length} indices for ${data.data.length} values`);
    dense = new Float64Array(r * c);
    for (let i = 0; i < r; i++) for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const j = indices[p];
      if (j < 0 || j >= c) throw new Error(`${file}: /edges/${name}: column index ${j} out of range 0..${c - 1}`);
      dense[i * c + j] = data.data[p];
    }
  } else if (format === 'coo') {
    const row = readNumeric(g, 'row', file).data;
    const col = readNumeric(g, 'col', file).data;
    if (row.length !== data.data.length || col.length !== data.data.length) throw new Error(`${file}: /edges/${name}: row/col/data lengths differ`);
    dense = new Float64Array(r * c);
    for (let p = 0; p < row.length; p++) {
      if (row[p] < 0 || row[p] >= r || col[p] < 0 || col[p] >= c) throw new Error(`${file}: /edges/${name}: entry ${p} at (${row[p]}, ${col[p]}) is outside [${r}, ${c}]`);
      dense[row[p] * c + col[p]] += data.data[p];
    }
  } else {
    throw new Error(`${file}: /edges/${name}: unknown matrix format '${format}' (dense, csr, coo)`);
  }
  const dirAttr = attrOpt(g, 'directed');
  const directed = dirAttr !== undefined ? Boolean(Number(Array.isArray(dirAttr) ? dirAttr[0] : dirAttr)) : (decl?.directed as boolean | undefined);
  const unit = (attrOpt(g, 'unit') as string | undefined) ?? (decl?.unit as string | undefined);
  return { name, data: dense, shape, format, ...(unit !== undefined ? { unit } : {}), ...(directed !== undefined ? { directed } : {}) };
}
