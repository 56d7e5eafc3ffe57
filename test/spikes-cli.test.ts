/** `vbt spikes`: summary, filters, figures and animation from the command line (run in-process). */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGroup } from '../src/cli/commands/spikes.js';
import { writeSpikeFile, writeSonataNodes, readSonataNodes, NodeTable, SpikeReport } from '../src/spikes/index.js';
import { simulateSync } from '../src/simulation/simulate.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { vbt } from './cli-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vbt-spikes-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const spikes = join(dir, 'spikes.h5');
const nodes = join(dir, 'nodes.h5');


describe('vbt spikes', () => {
  it('prepares files: spikes and a SONATA nodes file written by vbt and read back', async () => {
    await writeSpikeFile(spikes, {
      cortex: { timestamps: [0.5, 1.0, 1.0, 2.5, 3.0, 7.25, 9.0, 12.0], nodeIds: [0, 2, 1, 0, 5, 2, 0, 3] },
      thalamus: { timestamps: [1.5, 4.0, 2.0, 6.0, 8.0], nodeIds: [0, 0, 1, 1, 2] },
    });
    const cortex = new NodeTable({ layer: [2, 3, 5, 5, 6, 6], mtype: ['PC', 'BC', 'PC', 'PC', 'BC', 'PC'], x: new Float64Array([0, 10, 30, 20, 40, 50]), y: new Float64Array([0, 5, 15, 10, 20, 25]), inh: [false, true, false, false, true, false] });
    const thalamus = new NodeTable({ x: new Float64Array([0, 1, 2]), y: new Float64Array([2, 1, 0]) });
    await writeSonataNodes(nodes, { cortex, thalamus });
    const back = await readSonataNodes(nodes);
    expect(back.cortex.get('mtype', [0, 1, 2, 3, 4, 5])).toEqual(['PC', 'BC', 'PC', 'PC', 'BC', 'PC']);
    expect(back.cortex.column('layer').kind).toBe('int');
    expect(Array.from(back.cortex.column('x').values as Float64Array)).toEqual([0, 10, 30, 20, 40, 50]);
    expect(back.thalamus.size).toBe(3);
  });

  it('summary: counts and mean rates per population, also as JSON', async () => {
    const out = await vbt('spikes', spikes, '--t-start', '0', '--t-stop', '10');
    expect(out).toMatch(/12 spikes in \[0, 10\] ms/);
    // no node table: the population size is unknown, so no rate (the 5 distinct ids that spiked are not the population)
    expect(out).toMatch(/cortex\s+7 spikes\s+rate unknown \(population size unknown: give --nodes or --population-size\)/);
    const sized = await vbt('spikes', spikes, '--t-start', '0', '--t-stop', '10', '--population-size', 'cortex=6', '--population-size', 'thalamus=3');
    expect(sized).toMatch(/cortex\s+7 spikes\s+6 nodes\s+116\.667 Hz/); // 7 / 6 / 0.01 s
    expect(sized).toMatch(/thalamus\s+5 spikes\s+3 nodes\s+166\.667 Hz/); // 5 / 3 / 0.01 s
    const withNodes = await vbt('spikes', spikes, '--t-start', '0', '--t-stop', '10', '--nodes', nodes);
    expect(withNodes).toMatch(/cortex\s+7 spikes\s+6 nodes\s+116\.667 Hz/);
    const json = join(dir, 'summary.json');
    await vbt('spikes', spikes, '--nodes', nodes, '--group', 'layer=5,6', '--out', json);
    const s = JSON.parse(readFileSync(json, 'utf8'));
    expect(s.spikes).toBe(4); // cortex nodes 2,3,4,5: t = 1, 3, 7.25, 12
    expect(s.populations.map((p: { population: string; nodes: number }) => [p.population, p.nodes])).toEqual([['cortex', 4], ['thalamus', 0]]);
    const sub = join(dir, 'subset.h5');
    await vbt('spikes', spikes, '--nodes', nodes, '--group', 'layer=5,6', '--t-stop', '10', '--out', sub);
    const r = await SpikeReport.open(sub);
    expect(Array.from(r.population('cortex').spikes.timestamps)).toEqual([1, 3, 7.25]);
    expect(Array.from(r.population('cortex').spikes.nodeIds)).toEqual([2, 5, 2]);
    expect(r.population('thalamus').size).toBe(0);
  });

  it('figures and animation files', async () => {
    for (const [plot, ext] of [['raster', 'svg'], ['rate', 'png'], ['isi', 'html'], ['rates', 'svg']]) {
      const p = join(dir, `${plot}.${ext}`);
      const out = await vbt('spikes', spikes, '--population', 'cortex', '--group', '0-2', '--plot', plot, '--out', p);
      expect(out).toContain(`${plot}: 6 spikes`);
      expect(existsSync(p)).toBe(true);
    }
    const gif = join(dir, 'anim.gif');
    await vbt('spikes', spikes, '--nodes', nodes, '--plot', 'animation', '--dt', '2', '--out', gif);
    expect(Buffer.from(readFileSync(gif)).subarray(0, 6).toString()).toBe('GIF89a');
  });

  it('group syntax', () => {
    expect(parseGroup([])).toBeUndefined();
    expect(parseGroup(['0-3,7'])).toEqual([0, 1, 2, 3, 7]);
    expect(parseGroup(['0-5', '3-9'])).toEqual([3, 4, 5]);
    expect(parseGroup(['mtype=PC'])).toEqual({ mtype: 'PC' });
    expect(parseGroup(['x=0,20', 'inh=true'])).toEqual({ $and: [{ x: [0, 20] }, { inh: true }] });
    expect(parseGroup(['{"layer": [5, 6]}', '1-3'])).toEqual({ layer: [5, 6], node_id: [1, 2, 3] });
    expect(parseGroup(['Excitatory'])).toBe('Excitatory');
    expect(parseGroup(['Excitatory', 'layer=5'])).toEqual({ $and: [{ $node_set: 'Excitatory' }, { layer: 5 }] });
    expect(() => parseGroup(['5-1'])).toThrow(/range '5-1' runs backwards/);
    expect(() => parseGroup(['{bad'])).toThrow(/--group: '\{bad' is not valid JSON/);
  });

  it('bad input: missing population, query without node properties, missing --out', async () => {
    await expect(vbt('spikes', spikes, '--population', 'hippocampus')).rejects.toThrow(/no population 'hippocampus'; the file has: cortex, thalamus/);
    await expect(vbt('spikes', spikes, '--group', 'layer=5')).rejects.toThrow(/property query, but no node properties are known/);
    await expect(vbt('spikes', spikes, '--plot', 'raster')).rejects.toThrow(/--plot needs --out/);
    await expect(vbt('spikes', spikes, '--t-start', 'soon')).rejects.toThrow(/--t-start: 'soon' is not a number/);
    await expect(vbt('spikes', join(dir, 'nope.h5'))).rejects.toThrow(/no such spike file/);
  });
});

describe('vbt poisson-spikes', () => {
  it('draws spikes from a saved Jansen–Rit result and writes SONATA spikes and nodes', async () => {
    const conn = syntheticConnectome({ nodes: 6, seed: 4 });
    const res = simulateSync({
      model: 'JansenRit', connectivity: conn, coupling: 'SigmoidalJansenRit', couplingParameters: { a: 10 },
      integrator: { name: 'Heun', dt: 0.1 }, duration: 500, transient: 200, monitors: [{ name: 'TemporalAverage', period: 1 }], initialConditions: { seed: 1 },
    }).withNetwork(conn);
    const nc = join(dir, 'jr.nc');
    await res.save(nc);
    const out = join(dir, 'jr-spikes.h5');
    const nodesOut = join(dir, 'jr-nodes.h5');
    const msg = await vbt('poisson-spikes', nc, '--rate', 'sigm_y1_y2', '--size', '30', '--nodes', '0-2,5', '--seed', '7', '--out', out, '--nodes-out', nodesOut);
    expect(msg).toMatch(/^JansenRit: \d+ spikes from 120 neurons/);
    const r = await SpikeReport.open(out, { nodes: nodesOut });
    expect(r.populationNames).toEqual(['JansenRit']);
    const nodes = r.population('JansenRit').nodes!;
    expect(nodes.size).toBe(120);
    expect(nodes.get('region', [0, 30, 60, 90])).toEqual([0, 1, 2, 5]);
    expect(nodes.get('x', [90])).toEqual([conn.centres[15]]); // coordinates from the network stored with the result
    expect(r.population('JansenRit').size).toBeGreaterThan(0);
    await expect(vbt('poisson-spikes', nc, '--rate', 'nope', '--size', '3', '--out', out)).rejects.toThrow(/unknown symbol\(s\) nope/);
    await expect(vbt('poisson-spikes', nc, '--rate', 'sigm_y1_y2', '--size', '-3', '--out', out)).rejects.toThrow(/--size: '-3'/);
  });
});
