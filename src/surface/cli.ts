/** Command-line options of surface runs → SimulationConfig keys (checked before any work). */
import type { SimulationConfig } from '../simulation/config.js';
import { SPATIAL_EQUATIONS, type LocalConnectivitySpec } from './local-connectivity.js';

/** Parse `geodesic:CUTOFF[:EQUATION[:k=v,...]]` (a mesh-computed local connectivity). */
export function parseLocalConnectivityOption(v: string): string | LocalConnectivitySpec {
  if (v === 'neighbours') return { kind: 'neighbours' };
  if (!v.startsWith('geodesic')) return v;
  const [, cutoff, equation, params] = v.split(':');
  const spec: LocalConnectivitySpec = {};
  if (cutoff) {
    spec.cutoff = Number(cutoff);
    if (!(spec.cutoff > 0)) throw new Error(`--local-connectivity: cutoff '${cutoff}' is not a positive distance (mm)`);
  }
  if (equation) {
    if (!(SPATIAL_EQUATIONS as readonly string[]).includes(equation)) throw new Error(`--local-connectivity: '${equation}' is not one of ${SPATIAL_EQUATIONS.join(', ')}`);
    spec.equation = equation as LocalConnectivitySpec['equation'];
  }
  if (params) {
    spec.parameters = {};
    for (const kv of params.split(',')) {
      const [k, x] = kv.split('=');
      const n = Number(x);
      if (!k || !Number.isFinite(n)) throw new Error(`--local-connectivity: '${kv}' is not name=number`);
      spec.parameters[k] = n;
    }
  }
  return spec;
}

export function surfaceConfigFromOptions(o: { surface?: string; regionMapping?: string; localConnectivity?: string; localCoupling?: number; connectivity?: string }): Partial<SimulationConfig> {
  if (!o.surface) return {};
  if (!o.regionMapping) throw new Error('--surface needs --region-mapping (one region index per vertex)');
  if (!o.connectivity) throw new Error('--surface needs -c/--connectivity (the regions the mapping indexes)');
  if (o.localCoupling !== undefined && !Number.isFinite(o.localCoupling)) throw new Error(`--local-coupling: expected a number, got ${o.localCoupling}`);
  return {
    surface: o.surface,
    regionMapping: o.regionMapping,
    localConnectivity: o.localConnectivity ? parseLocalConnectivityOption(o.localConnectivity) : undefined,
    localCoupling: o.localCoupling,
  };
}
