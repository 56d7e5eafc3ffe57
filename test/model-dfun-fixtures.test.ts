/**
 * Catalogue models against TVB's own derivative: test/fixtures/tvb-dfun/*.json hold states, coupling
 * and `model.dfun` values computed by TVB (tools/make_tvb_dfun_fixtures.py). Each fixture is
 * evaluated with the catalogue model (looked up by TVB class name, aliases honoured) through the
 * interpreter and must agree to 1e-12 relative to the largest value.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getModel } from '../src/models/catalogue.js';
import { interpretDfun } from '../src/models/interpret.js';
import type { ModelSpec } from '../src/models/spec.js';

interface DfunFixture {
  model: string;
  tvb_commit: string;
  nodes: number;
  modes: number;
  state_variables: string[];
  cvar: number[];
  parameters: Record<string, number[]>;
  derived?: Record<string, number[]>;
  state: number[];
  coupling: number[];
  value: number[];
}

const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'tvb-dfun');
const files = existsSync(FIXTURE_DIR) ? readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json')).sort() : [];

/**
 * Map TVB's parameters onto the spec's: scalars and per-node arrays pass through by name; a TVB
 * vector parameter of other length (e.g. Zerlaut's P_e with 10 polynomial coefficients) maps onto
 * spec parameters `<name>0`, `<name>1`, … (or `<name>_0`, …) when the spec splits it that way.
 * Parameters the spec does not have are left out (they must then be unused by TVB's equations).
 */
function fixtureParameters(spec: ModelSpec, fx: DfunFixture): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(fx.parameters)) {
    if (v.length === 1 || v.length === fx.nodes) {
      if (k in spec.parameters) out[k] = v;
      continue;
    }
    for (const sep of ['', '_']) {
      if (v.every((_, i) => `${k}${sep}${i}` in spec.parameters)) {
        v.forEach((x, i) => (out[`${k}${sep}${i}`] = [x]));
        break;
      }
    }
  }
  return out;
}

describe('catalogue models vs TVB dfun fixtures', () => {
  it('fixture folder is present', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(file, () => {
      const fx = JSON.parse(readFileSync(join(FIXTURE_DIR, file), 'utf8')) as DfunFixture;
      const spec = getModel(fx.model);
      expect(Object.keys(spec.state_variables)).toEqual(fx.state_variables);
      const svs = Object.keys(spec.state_variables);
      expect(spec.cvar.map((c) => svs.indexOf(c))).toEqual(fx.cvar);
      expect(spec.modes ?? 1).toBe(fx.modes);
      const d = interpretDfun(spec, {
        nodes: fx.nodes,
        parameters: fixtureParameters(spec, fx),
        state: fx.state,
        coupling: fx.coupling,
      });
      const want = fx.value;
      expect(d.length).toBe(want.length);
      let maxErr = 0;
      let scale = 0;
      for (let i = 0; i < want.length; i++) {
        maxErr = Math.max(maxErr, Math.abs(d[i] - want[i]));
        scale = Math.max(scale, Math.abs(want[i]));
      }
      expect(maxErr, `max |ours - TVB| = ${maxErr} (max |TVB| = ${scale})`).toBeLessThanOrEqual(1e-12 * Math.max(1, scale));
    });
  }
});
