/** Each catalogue model's equations against TVB's own derivative (checks/dfun_* of the reference runs). */
import { describe, expect, it } from 'vitest';
import { basename } from 'node:path';
import { HAVE_SHARED, SKIP_REASON, referenceFiles } from './shared.js';
import { readReference } from '../src/reference/read.js';
import { getModel, listModels } from '../src/models/catalogue.js';
import { interpretDfun } from '../src/models/interpret.js';

describe.skipIf(!HAVE_SHARED)(`model equations vs TVB dfun ${HAVE_SHARED ? '' : SKIP_REASON}`, () => {
  for (const file of referenceFiles()) {
    it(basename(file), async () => {
      const ref = await readReference(file);
      expect(listModels()).toContain(ref.model);
      const spec = getModel(ref.model);
      expect(Object.keys(spec.state_variables)).toEqual(ref.stateVariables);
      const params: Record<string, number[]> = {};
      for (const [k, v] of Object.entries(ref.modelParameters)) if (k in spec.parameters) params[k] = v.map(Number);
      const d = interpretDfun(spec, { nodes: ref.nodes, parameters: params, state: ref.checks!.dfunState, coupling: ref.checks!.dfunCoupling });
      const want = ref.checks!.dfunValue;
      let maxErr = 0, scale = 0;
      for (let i = 0; i < want.length; i++) {
        maxErr = Math.max(maxErr, Math.abs(d[i] - want[i]));
        scale = Math.max(scale, Math.abs(want[i]));
      }
      expect(maxErr).toBeLessThanOrEqual(1e-12 * Math.max(1, scale));
    });
  }
});
