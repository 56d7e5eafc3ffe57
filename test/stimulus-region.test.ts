/** RegionStimulus: weights × temporal equation, TVB's sampling convention, validation messages. */
import { describe, expect, it } from 'vitest';
import { RegionStimulus } from '../src/stimulus/index.js';

describe('RegionStimulus', () => {
  it("reproduces TVB's StimuliRegion samples (PulseTrain, t = k·dt)", () => {
    // From TVB 2.11: StimuliRegion(weight=[0, .5, 2, -1], temporal=PulseTrain(onset=1, T=2, tau=.5, amp=3)),
    // configure_space(); configure_time(numpy.r_[0:5:0.1]); stimulus(k) for k = 8..19.
    const on = [0, 1.5, 6, -3], off = [0, 0, 0, -0];
    const tvb = [off, off, off, on, on, on, on, off, off, off, off, off];
    const stim = new RegionStimulus(
      { weights: [0, 0.5, 2, -1], temporal: { equation: 'PulseTrain', parameters: { onset: 1, T: 2, tau: 0.5, amp: 3 } } },
      { nodes: 4 },
    );
    const out = new Float64Array(4);
    tvb.forEach((want, j) => {
      const k = 8 + j;
      expect(Array.from(stim.valueAt(k * 0.1, out))).toEqual(want);
    });
  });

  it('is weights[i] · f(t) for every node', () => {
    const w = Float64Array.from([0.1, 0, -2, 3.5]);
    const stim = new RegionStimulus({ weights: w, temporal: { equation: 'Sinusoid', parameters: { frequency: 0.05 } }, variables: ['x1'] });
    const out = new Float64Array(4);
    for (const t of [0, 1.3, 7, 250.25]) {
      stim.valueAt(t, out);
      const f = Math.sin(6.283185307179586 * 0.05 * t);
      w.forEach((wi, i) => expect(out[i]).toBe(wi * f));
    }
    expect(stim.variables).toEqual(['x1']);
    expect(stim.nodes).toBe(4);
  });

  it('names the field and the expected length in its errors', () => {
    const temporal = { equation: 'Gaussian' };
    expect(() => new RegionStimulus({ weights: [1, 2, 3], temporal }, { nodes: 76 })).toThrow(
      'stimulus.weights: expected length 76 (one per node), got 3',
    );
    expect(() => new RegionStimulus({ weights: [1, NaN], temporal })).toThrow('stimulus.weights[1]: expected a finite number');
    expect(() => new RegionStimulus({ weights: 'x' as unknown as number[], temporal })).toThrow(/stimulus\.weights: expected an array/);
    expect(() => new RegionStimulus({ weights: [1], temporal: { equation: 'Pulse' } })).toThrow(/stimulus\.temporal\.equation: unknown equation 'Pulse'; expected one of/);
    expect(() => new RegionStimulus({ weights: [1], temporal: { equation: 'Gamma' } })).toThrow(/haemodynamic kernel.*expected one of: Linear/);
    expect(() => new RegionStimulus({ weights: [1], temporal: { equation: 'Gaussian', parameters: { mid: 1 } } })).toThrow(
      /stimulus\.temporal\.parameters: Gaussian: unknown parameter 'mid'/,
    );
    expect(() => new RegionStimulus({ weights: [1], temporal, variables: ['V', 'W'] }, { stateVariables: ['V', 'U'] })).toThrow(
      "stimulus.variables: unknown state variable 'W'; expected one of: V, U",
    );
    expect(() => new RegionStimulus({ weights: [1], temporal, variables: [] })).toThrow(/stimulus\.variables/);
    const stim = new RegionStimulus({ weights: [1, 2], temporal });
    expect(() => stim.valueAt(0, new Float64Array(3))).toThrow('out must have length 2 (one per node), got 3');
  });
});
