import { describe, it, expect } from 'vitest';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { animationSpec, animateGif, animateHtml, frameIndices } from '../src/plot/animate.js';
import type { TimeSeriesData } from '../src/plot/data.js';
import { toSvg } from '../src/plot/render.js';
import { countMarks } from './plot-helpers.js';

const conn = syntheticConnectome({ nodes: 6 });
const T = 11;
const ts: TimeSeriesData = {
  time: Float64Array.from({ length: T }, (_, t) => 10 * t),
  data: Float64Array.from({ length: T * 6 }, (_, k) => Math.floor(k / 6) * 100 + (k % 6)), // value = 100 t + node
  variables: ['V'], labels: conn.labels, units: { V: 'mV' },
};

/** Frames in a GIF: one Graphic Control Extension (0x21 0xF9 0x04) precedes each image. */
function gifInfo(b: Uint8Array): { header: string; width: number; height: number; frames: number; chunks: string[] } {
  const at: number[] = [];
  for (let k = 13; k + 2 < b.length; k++) if (b[k] === 0x21 && b[k + 1] === 0xf9 && b[k + 2] === 0x04) at.push(k);
  const chunks = at.map((a, i) => Buffer.from(b.subarray(a + 8, at[i + 1] ?? b.length)).toString('base64'));
  return { header: String.fromCharCode(...b.subarray(0, 6)), width: b[6] | (b[7] << 8), height: b[8] | (b[9] << 8), frames: at.length, chunks };
}

describe('animation', () => {
  it('frame indices are evenly spaced and include both ends', () => {
    expect(frameIndices(11, 3)).toEqual([0, 5, 10]);
    expect(frameIndices(4, 10)).toEqual([0, 1, 2, 3]);
    expect(() => frameIndices(4, 0)).toThrow(/positive integer/);
  });

  it('spec: node values per frame equal the series, colour scale fixed over all frames', async () => {
    const spec = animationSpec(conn, ts, { frames: 3 });
    const layer = (spec as unknown as { layer: { data: { values: Record<string, number | string>[] }; encoding?: { color?: { scale: { domain: number[] } } } }[] }).layer;
    const rows = layer[1].data.values;
    expect(rows.length).toBe(3 * 6);
    expect(rows.filter((r) => r.frame === 1).map((r) => r.value)).toEqual([500, 501, 502, 503, 504, 505]);
    expect(layer[1].encoding!.color!.scale.domain).toEqual([0, 1005]);
    const svg = await toSvg(spec); // frame 0 only
    expect(countMarks(svg, 'symbol')).toBe(6);
    expect(svg).toContain('t = 0 ms');
    expect(() => animationSpec(syntheticConnectome({ nodes: 5 }), ts)).toThrow(/6 nodes but the network 5/);
  });

  it('GIF: decodes as GIF89a with one image per frame, each frame different', async () => {
    let progress = 0;
    const gif = await animateGif(conn, ts, { frames: 3, size: 200, onFrame: (d) => (progress = d) });
    const info = gifInfo(gif);
    expect(info.header).toBe('GIF89a');
    expect(info.frames).toBe(3);
    expect(info.width).toBeGreaterThan(200);
    expect(progress).toBe(3);
    expect(new Set(info.chunks).size).toBe(3); // image data differ between frames
    expect(gif[gif.length - 1]).toBe(0x3b); // trailer
  });

  it('HTML: self-contained page with slider and play button', () => {
    const html = animateHtml(conn, ts, { frames: 4 });
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).toContain('id="vbt-play"');
    expect(html).toContain('"bind":{"input":"range"');
    expect(html).toContain('% 4)');
  });
});
