/** Spike reports opened from SONATA simulation configs (bmtk-style inline networks, libsonata-style circuit config). */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpikeReport, writeSpikeFile, writeSonataNodes, NodeTable, readSimulationSpikeSetup } from '../src/spikes/index.js';
import { buildProgram } from '../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'vbt-spikes-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const spikes = { v1: { timestamps: [0.5, 2, 3, 7, 15], nodeIds: [0, 1, 2, 1, 0] } };
const table = new NodeTable({ layer: [4, 4, 2], x: new Float64Array([0, 1, 2]), y: new Float64Array([1, 1, 0]) });

describe('SpikeReport.fromSimulationConfig', () => {
  it('bmtk style: manifest variables, inline networks, node-types CSV', async () => {
    const d = join(dir, 'bmtk');
    mkdirSync(join(d, 'network'), { recursive: true });
    await writeSpikeFile(join(d, 'output', 'spikes.h5'), spikes);
    await writeSonataNodes(join(d, 'network', 'v1_nodes.h5'), { v1: table });
    writeFileSync(join(d, 'network', 'v1_node_types.csv'), 'node_type_id ei\n0 e\n');
    const cfg = join(d, 'config.json');
    writeFileSync(cfg, JSON.stringify({
      manifest: { $BASE_DIR: '.', $OUTPUT_DIR: '$BASE_DIR/output', $NETWORK_DIR: '${BASE_DIR}/network' },
      run: { tstop: 20.0, dt: 0.1 },
      output: { output_dir: '$OUTPUT_DIR', spikes_file: 'spikes.h5', spikes_sort_order: 'time' },
      networks: { nodes: [{ nodes_file: '$NETWORK_DIR/v1_nodes.h5', node_types_file: '$NETWORK_DIR/v1_node_types.csv' }] },
    }));
    const r = await SpikeReport.fromSimulationConfig(cfg);
    expect([r.timeStart, r.timeStop, r.dt]).toEqual([0, 20, 0.1]);
    expect(Array.from(r.population('v1').get({ group: { layer: 4 } }).timestamps)).toEqual([0.5, 2, 7, 15]);
    expect(r.population('v1').nodes!.get('ei', [2])).toEqual(['e']);
  });

  it('libsonata style: network → circuit_config.json, default output/out.h5, run.tstart', async () => {
    const d = join(dir, 'bbp');
    mkdirSync(join(d, 'circuit'), { recursive: true });
    await writeSpikeFile(join(d, 'output', 'out.h5'), spikes);
    await writeSonataNodes(join(d, 'circuit', 'nodes.h5'), { v1: table });
    writeFileSync(join(d, 'circuit', 'node_sets.json'), JSON.stringify({ L4: { layer: 4 }, L2: { layer: 2 }, All: ['L4', 'L2'] }));
    writeFileSync(join(d, 'circuit', 'circuit_config.json'), JSON.stringify({ manifest: { $BASE_DIR: '.' }, node_sets_file: '$BASE_DIR/node_sets.json', networks: { nodes: [{ nodes_file: '${BASE_DIR}/nodes.h5', populations: { v1: {} } }] } }));
    const cfg = join(d, 'simulation_config.json');
    writeFileSync(cfg, JSON.stringify({ network: 'circuit/circuit_config.json', run: { tstart: 1, tstop: 10, dt: 0.025, random_seed: 1 } }));
    const s = readSimulationSpikeSetup(cfg);
    expect(s.spikesFile).toBe(join(d, 'output', 'out.h5'));
    expect(s.nodes).toEqual([{ nodesFile: join(d, 'circuit', 'nodes.h5') }]);
    const r = await SpikeReport.fromSimulationConfig(cfg);
    expect([r.timeStart, r.timeStop, r.dt]).toEqual([1, 10, 0.025]);
    expect(r.filter({ group: { layer: 2 } }).rows()).toEqual([{ time: 3, id: 2, population: 'v1' }]);
    expect(r.filter({ group: 'L2' }).rows()).toEqual([{ time: 3, id: 2, population: 'v1' }]);
    expect(r.filter({ group: 'All', tStop: 2.5 }).length).toBe(2);
    // the CLI accepts a simulation config in place of a spike file
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void lines.push(a.join(' '));
    try {
      await buildProgram().exitOverride().parseAsync(['node', 'vbt', 'spikes', cfg, '--group', 'L4']);
    } finally {
      console.log = log;
    }
    expect(lines[0]).toMatch(/4 spikes in \[1, 10\] ms/);
  });

  it('bad configs: clear errors', async () => {
    const d = join(dir, 'bad');
    mkdirSync(d, { recursive: true });
    const write = (name: string, c: unknown) => (writeFileSync(join(d, name), JSON.stringify(c)), join(d, name));
    expect(() => readSimulationSpikeSetup(write('a.json', { run: { dt: 0.1 } }))).toThrow(/run\.tstop is required/);
    expect(() => readSimulationSpikeSetup(write('b.json', { run: { tstop: 1, dt: 0.1 }, output: { output_dir: '$NOPE/out' } }))).toThrow(/unknown manifest variable \$NOPE/);
    expect(() => readSimulationSpikeSetup(write('c.json', { run: { tstop: 1, dt: 0.1 }, network: 'missing.json' }))).toThrow(/circuit config .*missing\.json not found/);
    expect(() => readSimulationSpikeSetup(write('d.json', { manifest: { $A: '$B', $B: '$A' }, run: { tstop: 1, dt: 0.1 }, output: { output_dir: '$A' } }))).toThrow(/cycle/);
    await expect(SpikeReport.fromSimulationConfig(write('e.json', { run: { tstop: 1, dt: 0.1 } }))).rejects.toThrow(/the spikes file .*out\.h5 .* does not exist/);
  });
});
