/** TVB's RawVoi and BoldRegionROI monitors; bluepysnap's SpikeReport.config / simulation / log(). */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../src/simulation/simulate.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { SpikeReport, writeSpikeFile, writeSonataNodes, NodeTable } from '../src/spikes/index.js';

const dir = mkdtempSync(join(tmpdir(), 'vbt-tvbnames-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("TVB's RawVoi and BoldRegionROI", () => {
  it('record the same samples as Raw and Bold in the same run, under TVB names', async () => {
    const conn = syntheticConnectome({ nodes: 4 });
    const res = await simulate({
      model: 'ReducedWongWang', connectivity: conn, integrator: { dt: 1 }, duration: 3000, initialConditions: { seed: 1 },
      monitors: [{ name: 'Raw' }, { name: 'RawVoi' }, { name: 'Bold', period: 500 }, { name: 'BoldRegionROI', period: 500 }],
    });
    expect(res.monitors.map((m) => m.name)).toEqual(['Raw', 'RawVoi', 'Bold', 'BoldRegionROI']);
    for (const [a, b] of [['Raw', 'RawVoi'], ['Bold', 'BoldRegionROI']]) {
      expect(res.monitor(b).shape).toEqual(res.monitor(a).shape);
      expect(Array.from(res.monitor(b).time)).toEqual(Array.from(res.monitor(a).time));
      expect(Array.from(res.monitor(b).data)).toEqual(Array.from(res.monitor(a).data));
    }
    expect(res.monitor('BoldRegionROI').shape[1]).toBe(6);
  });
});

describe('SpikeReport: config, simulation, log()', () => {
  it('expose the output section, the simulation and its log file', async () => {
    const d = join(dir, 'sim');
    mkdirSync(join(d, 'network'), { recursive: true });
    await writeSpikeFile(join(d, 'out', 'spikes.h5'), { v1: { timestamps: [1, 2], nodeIds: [0, 1] } });
    await writeSonataNodes(join(d, 'network', 'nodes.h5'), { v1: new NodeTable({ layer: [1, 2] }) });
    writeFileSync(join(d, 'out', 'sim.log'), 'step 1\nstep 2\n');
    const cfg = join(d, 'simulation_config.json');
    writeFileSync(cfg, JSON.stringify({
      manifest: { $OUT: './out' }, run: { tstop: 5, dt: 0.1 },
      output: { output_dir: '$OUT', spikes_file: 'spikes.h5', log_file: 'sim.log', spikes_sort_order: 'by_time' },
      networks: { nodes: [{ nodes_file: 'network/nodes.h5' }] },
    }));
    const r = await SpikeReport.fromSimulationConfig(cfg);
    expect(r.config).toEqual({ output_dir: join(d, 'out'), spikes_file: join(d, 'out', 'spikes.h5'), spikes_sort_order: 'by_time', log_file: join(d, 'out', 'sim.log') });
    expect(r.simulation!.configPath).toBe(cfg);
    expect([r.simulation!.tStart, r.simulation!.tStop, r.simulation!.dt]).toEqual([0, 5, 0.1]);
    expect((r.simulation!.raw.run as { tstop: number }).tstop).toBe(5);
    expect(r.log()).toBe('step 1\nstep 2\n');
    const mem = SpikeReport.fromSpikes({ p: { timestamps: [1], nodeIds: [0] } });
    expect(mem.simulation).toBeUndefined();
    expect(() => mem.config).toThrow(/not opened from a simulation config/);
    writeFileSync(cfg, JSON.stringify({ run: { tstop: 5, dt: 0.1 }, output: { output_dir: 'out', spikes_file: 'spikes.h5' }, networks: { nodes: [{ nodes_file: 'network/nodes.h5' }] } }));
    await expect(SpikeReport.fromSimulationConfig(cfg).then((x) => x.log())).rejects.toThrow(/output.log_file is not set/);
  });
});
