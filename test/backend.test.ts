import { describe, it, expect, afterEach } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend, backendInfo, formatBackend } from '../src/backend/index.js';

describe('backend loader', () => {
  const saved = process.env.VBT_BACKEND;
  afterEach(() => {
    if (saved === undefined) delete process.env.VBT_BACKEND;
    else process.env.VBT_BACKEND = saved;
  });

  it('automatic choice: native bindings are tried first, then wasm loads here', async () => {
    delete process.env.VBT_BACKEND;
    const info = await loadBackend();
    expect(info.source).toBe('automatic');
    // tfjs-node cannot install on this machine, so the first two candidates fail with a reason
    if (info.candidate === 'wasm') {
      expect(info.tried.map((t) => t.candidate)).toEqual(['node-gpu', 'node']);
      for (const t of info.tried) expect(t.error.length).toBeGreaterThan(0);
    }
    expect(tf.getBackend()).toBe(info.name);
    expect(backendInfo()).toEqual(info);
    expect(formatBackend(info)).toMatch(/^backend: \S+ \(tfjs '\S+', @tensorflow\/\S+; chosen automatic\)/);
    // gradients are registered by the loader (tfjs-core's Node build does not do it)
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, -2]));
    expect(Array.from(g.dataSync())).toEqual([2, -4]);
  });

  it('VBT_BACKEND forces a backend (cpu, wasm)', async () => {
    for (const b of ['cpu', 'wasm'] as const) {
      process.env.VBT_BACKEND = b;
      const info = await loadBackend();
      expect(info.candidate).toBe(b);
      expect(info.source).toBe('VBT_BACKEND');
      expect(tf.getBackend()).toBe(b);
      const y = tf.add(tf.tensor1d([1.5]), tf.tensor1d([2.25]));
      expect(y.dataSync()[0]).toBe(3.75);
      y.dispose();
    }
  });

  it('an argument overrides the environment; unknown names and unloadable choices are clear errors', async () => {
    process.env.VBT_BACKEND = 'wasm';
    expect((await loadBackend('cpu')).candidate).toBe('cpu');
    await expect(loadBackend('tpu')).rejects.toThrow(/unknown backend 'tpu'; expected one of: node-gpu, node, wasm, cpu/);
    process.env.VBT_BACKEND = 'gpu3';
    await expect(loadBackend()).rejects.toThrow(/VBT_BACKEND: unknown backend 'gpu3'/);
    process.env.VBT_BACKEND = 'node-gpu';
    let installed = true;
    try { await import('@tensorflow/tfjs-node-gpu' as string); } catch { installed = false; }
    if (!installed) await expect(loadBackend()).rejects.toThrow(/no tfjs backend could be loaded \(node-gpu: .*\); VBT_BACKEND 'node-gpu' must be installed/);
  });
});
