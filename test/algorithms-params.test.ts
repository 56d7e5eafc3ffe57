import { describe, it, expect } from 'vitest';
import {
  FreeParameter, ParameterSet, globalParameter, regionalParameter, edgeParameter, sigmoidBounded, logPositive, clipped,
  toValue, toUnconstrained, dValue, applyParameters, type Transform,
} from '../algorithms/index.js';
import { syntheticConnectome } from '../src/network/synthetic.js';

describe('bound transforms', () => {
  const cases: [string, Transform, number][] = [
    ['sigmoid', sigmoidBounded(0.1, 2), 1.3],
    ['log', logPositive, 0.02],
    ['clip', clipped(-1, 1), 0.4],
    ['identity', { kind: 'identity' }, -3.5],
  ];
  for (const [name, t, v] of cases) {
    it(`${name}: inverse round trip and derivative against a central difference`, () => {
      const u = toUnconstrained(t, v);
      expect(toValue(t, u)).toBeCloseTo(v, 12);
      const h = 1e-6;
      const fd = (toValue(t, u + h) - toValue(t, u - h)) / (2 * h);
      expect(dValue(t, u)).toBeCloseTo(fd, 7);
    });
  }
  it('sigmoid stays inside its bounds for any u; log stays positive; clip clips with zero slope outside', () => {
    const s = sigmoidBounded(-2, 3);
    for (const u of [-50, -3, 0, 3, 50]) {
      const v = toValue(s, u);
      expect(v).toBeGreaterThanOrEqual(-2);
      expect(v).toBeLessThanOrEqual(3);
    }
    expect(toValue(s, 0)).toBe(0.5);
    expect(toValue(logPositive, -40)).toBeGreaterThan(0);
    expect(toValue(clipped(0, 1), 5)).toBe(1);
    expect(dValue(clipped(0, 1), 5)).toBe(0);
  });
  it('rejects values outside the domain with the parameter named', () => {
    expect(() => toUnconstrained(logPositive, -1, 'G')).toThrow(/G = -1.*> 0/);
    expect(() => toUnconstrained(sigmoidBounded(0, 1), 1, 'w[3]')).toThrow(/w\[3\] = 1: outside the open interval/);
    expect(() => sigmoidBounded(1, 1)).toThrow(/low < high/);
  });
});

describe('FreeParameter / ParameterSet', () => {
  it('global, regional and edge scopes have sizes 1, N, N² and pack/unpack round-trip', () => {
    const g = globalParameter('G', 0.7, { target: 'coupling', transform: logPositive });
    const r = regionalParameter('w', [0.1, 0.5, 0.9], { transform: sigmoidBounded(0, 1) });
    const e = edgeParameter('weights', 1, { n: 3, target: 'network', transform: clipped(0, Infinity) });
    expect([g.size, r.size, e.size]).toEqual([1, 3, 9]);
    const ps = new ParameterSet([g, r, e]);
    expect(ps.dim).toBe(13);
    const v = ps.values(ps.pack());
    expect(v.G).toBeCloseTo(0.7, 14);
    expect(Array.from(v.w as Float64Array)).toEqual([0.1, 0.5, 0.9].map((x) => expect.closeTo(x, 14)));
    expect((v.weights as Float64Array).length).toBe(9);
  });
  it('a mask freezes entries: they keep their initial value whatever the vector says', () => {
    const p = new FreeParameter({ name: 'J_i', scope: 'regional', init: [1, 2, 3, 4], mask: [1, 0, 1, 0] });
    expect(p.dim).toBe(2);
    const v = p.unpack([10, 30]);
    expect(Array.from(v)).toEqual([10, 2, 30, 4]);
  });
  it('pullback is the chain rule through the transforms (finite-difference check of a loss)', () => {
    const ps = new ParameterSet([globalParameter('G', 0.3, { transform: sigmoidBounded(0, 1) }), regionalParameter('a', [0.5, 2], { transform: logPositive })]);
    const loss = (u: ArrayLike<number>) => {
      const v = ps.values(u);
      const a = v.a as Float64Array;
      return (v.G as number) ** 2 + a[0] * a[1];
    };
    const u = ps.pack();
    const v = ps.values(u);
    const a = v.a as Float64Array;
    const g = ps.pullback(u, { G: 2 * (v.G as number), a: [a[1], a[0]] });
    for (let k = 0; k < u.length; k++) {
      const up = Float64Array.from(u), um = Float64Array.from(u);
      up[k] += 1e-6; um[k] -= 1e-6;
      expect(g[k]).toBeCloseTo((loss(up) - loss(um)) / 2e-6, 6);
    }
  });
  it('bad input names the field', () => {
    expect(() => regionalParameter('w', 1)).toThrow(/needs n/);
    expect(() => new FreeParameter({ name: 'x', scope: 'regional', init: [1, 2], mask: [1] })).toThrow(/mask has 1 entries; expected 2/);
    expect(() => new ParameterSet([globalParameter('G', 1), globalParameter('G', 2)])).toThrow(/model.G appears twice/);
    expect(() => globalParameter('G', 0, { transform: logPositive })).toThrow(/G\[0\] initial value = 0/);
  });
  it('applyParameters writes model, coupling and network values into a config', () => {
    const conn = syntheticConnectome({ nodes: 4 });
    const ps = new ParameterSet([
      globalParameter('a', 0.2, { target: 'coupling' }),
      regionalParameter('I', [0, 1, 2, 3]),
      edgeParameter('weights', 0.5, { n: conn.n, target: 'network' }),
    ]);
    const cfg = applyParameters({ model: 'Generic2dOscillator', connectivity: conn, integrator: { dt: 0.1 }, duration: 1 }, ps, ps.values(ps.pack()));
    expect(cfg.couplingParameters).toEqual({ a: 0.2 });
    expect(cfg.parameters!.I).toEqual([0, 1, 2, 3]);
    expect(cfg.connectivity!.weights.every((w) => w === 0.5)).toBe(true);
    expect(cfg.connectivity!.tractLengths).toEqual(conn.tractLengths);
  });
});
