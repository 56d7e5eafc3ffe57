/**
 * Surface gradient section (issue #15, differentiable engine): the float64 surface adjoint on
 * cortex_16384 + connectivity_76 (speed 3 mm/ms) + local_connectivity_16384 (strength 1), G2D,
 * Linear a = 0.1, Heun dt 0.1 ms, 100 ms, TemporalAverage 1 ms, d/d(a, coupling.a, localCoupling)
 * of the sum of the output: forward and reverse against the surface engine's run, side by side in
 * this process (one core, CPU seconds, best of 3), with the memory the reverse sweep holds; the
 * adjoint with its WebAssembly kernels (the default: forward sweeps on the engine's step,
 * src/surface/adjoint-forward.ts, local-coupling products in src/surface/ell-wasm.ts) and with its
 * generated JavaScript alone (kernel 'js'; the same numbers to rounding).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readTvbConnectivityZip } from '../../src/network/tvb-zip.js';
import { readRegionMapping, readTvbSurfaceZip } from '../../src/network/surface.js';
import { readSparseMat } from '../../src/surface/mat.js';
import { prepareSurfaceRun, runPreparedSurface } from '../../src/surface/run.js';
import { SurfaceAdjoint, type SurfaceAdjointForward } from '../../src/surface/adjoint.js';
import type { SimulationConfig } from '../../src/simulation/config.js';

const DATA = join(process.env.VBT_SHARED ?? resolve(process.cwd(), '../shared'), 'data/tvb');

const cpu = (f: () => void): number => {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};

export default async function surfaceGradient(): Promise<void> {
  if (!existsSync(join(DATA, 'cortex_16384.zip'))) {
    console.log(`surface gradient: skipped (no ${DATA}; set VBT_SHARED)`);
    return;
  }
  const cfg: SimulationConfig = {
    model: 'Generic2dOscillator', connectivity: readTvbConnectivityZip(join(DATA, 'connectivity_76.zip')).withSpeed(3),
    coupling: 'Linear', couplingParameters: { a: 0.1 }, integrator: { name: 'Heun', dt: 0.1 }, duration: 100,
    monitors: [{ name: 'TemporalAverage', period: 1 }],
    surface: readTvbSurfaceZip(join(DATA, 'cortex_16384.zip')), regionMapping: readRegionMapping(join(DATA, 'regionMapping_16k_76.txt')),
    localConnectivity: readSparseMat(join(DATA, 'local_connectivity_16384.mat')), localCoupling: 1,
  };
  const wrt = ['a', 'coupling.a', 'localCoupling'];
  const variants = [
    { label: 'adjoint (WebAssembly forward step and local-coupling products)', adj: new SurfaceAdjoint({ ...cfg, kernel: 'wasm' }, { wrt }) },
    { label: "adjoint (JavaScript only, kernel 'js')", adj: new SurfaceAdjoint({ ...cfg, kernel: 'js' }, { wrt }) },
  ].map((v) => ({ ...v, forward: Infinity, reverse: Infinity }));
  let engine = Infinity;
  for (let r = 0; r < 3; r++) {
    // the engine's integration alone (its own CPU clock), then each adjoint's forward and reverse
    engine = Math.min(engine, runPreparedSurface(prepareSurfaceRun(cfg)).info.runCpuSeconds ?? Infinity);
    for (const v of variants) {
      let fw: SurfaceAdjointForward | undefined;
      v.forward = Math.min(v.forward, cpu(() => { fw = v.adj.forward(); }));
      const bars = fw!.outputs.map((o) => o.data.map(() => 1));
      v.reverse = Math.min(v.reverse, cpu(() => fw!.backward(bars)));
    }
  }
  console.log(`surface gradient: G2D on cortex_16384, Heun dt 0.1 ms, 100 ms, d/d(a, coupling.a, localCoupling) (one core, CPU time, best of 3)`);
  console.log(`  surface engine ${engine.toFixed(2)} s (its WebAssembly step)`);
  for (const { label, adj, forward, reverse } of variants) {
    console.log(`  ${label}: forward ${forward.toFixed(2)} s + reverse ${reverse.toFixed(2)} s (${adj.segments} segment(s) of ${adj.K} steps, ${(adj.memoryBytes / 2 ** 20).toFixed(0)} MiB) → gradient / forward = ${((forward + reverse) / engine).toFixed(1)}x`);
  }
}
