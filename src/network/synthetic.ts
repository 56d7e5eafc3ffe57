/**
 * A small, deterministic, made-up connectome for when no TVB data is on disk (demos, tests, first
 * runs). It is NOT anatomical data: node positions, weights and tract lengths are generated from a
 * seed. The name, source, labels and metadata all say "synthetic" so it cannot be mistaken for a
 * real parcellation in outputs.
 */
import { Connectivity, DEFAULT_SPEED } from './connectivity.js';

export const SYNTHETIC_NAME = 'vbt synthetic connectome (not anatomical data)';

export interface SyntheticOptions {
  /** Number of nodes (≥ 2); the left hemisphere gets the extra one when odd. Default 20. */
  nodes?: number;
  /** Any integer; the same seed always gives the same network. Default 1. */
  seed?: number;
  /** Conduction speed in mm/ms; default TVB's 3.0. */
  speed?: number;
}

/**
 * Seeded uniform generator on [0, 1) with 32-bit resolution: a Weyl sequence fed through an
 * integer avalanche mix. Own code so the output never changes when a library updates.
 */
export function seededUniform(seed: number): () => number {
  let state = (Math.trunc(seed) ^ 0x5bd1e995) >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  };
}

/** Standard normal by Box–Muller (one value per two uniforms; simple and exactly reproducible). */
function normal(u: () => number): number {
  const r = Math.sqrt(-2 * Math.log(1 - u()));
  return r * Math.cos(2 * Math.PI * u());
}

/** Semi-axes (mm) of the ellipsoid the nodes sit on: roughly an adult brain's half-widths. */
const RADII = [60, 75, 55] as const;
/** Length scale (mm) of the exponential fall-off of connection strength with distance. */
const LAMBDA = 35;
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

/**
 * Positions on one hemisphere of an ellipsoid: a golden-angle spiral about the left-right axis
 * spreads nodes evenly for any count, jitter keeps it from looking like a lattice.
 */
function hemisphereCentres(count: number, side: -1 | 1, u: () => number): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < count; k++) {
    const h = 0.15 + 0.8 * ((k + 0.5) / count); // |x| component on the unit sphere, away from the midline
    const ring = Math.sqrt(1 - h * h);
    const phi = k * GOLDEN_ANGLE;
    const dir = [side * h, ring * Math.cos(phi), ring * Math.sin(phi)];
    out.push(dir.map((d, c) => RADII[c] * d + 3 * (2 * u() - 1)));
  }
  return out;
}

function distance(a: number[], b: number[]): number {
  const dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

/**
 * Two-hemisphere synthetic connectome: symmetric weights falling off with distance times
 * log-normal noise, sparser at long range, weak between hemispheres except homotopic pairs,
 * zero diagonal, max weight 1; tract lengths are the centre distances stretched by a random
 * 10–40 % (fibres are not straight), symmetric, zero diagonal.
 */
export function syntheticConnectome(options: SyntheticOptions = {}): Connectivity {
  const nodes = options.nodes ?? 20;
  const seed = options.seed ?? 1;
  if (!Number.isInteger(nodes) || nodes < 2) throw new Error(`syntheticConnectome: nodes must be an integer >= 2, got ${nodes}`);
  if (!Number.isFinite(seed)) throw new Error(`syntheticConnectome: seed must be a finite number, got ${seed}`);
  const u = seededUniform(seed);
  const nLeft = Math.ceil(nodes / 2);
  const nRight = nodes - nLeft;
  const centres = [...hemisphereCentres(nLeft, -1, u), ...hemisphereCentres(nRight, 1, u)];
  const right = (i: number) => i >= nLeft;
  const homotopic = (i: number, j: number) => Math.abs(i - j) === nLeft && right(i) !== right(j);

  const n = nodes;
  const weights = new Float64Array(n * n);
  const tract = new Float64Array(n * n);
  const nearest = centres.map((c, i) => {
    let best = -1;
    for (let j = 0; j < n; j++) if (j !== i && (best < 0 || distance(c, centres[j]) < distance(c, centres[best]))) best = j;
    return best;
  });
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = distance(centres[i], centres[j]);
      const len = d * (1.1 + 0.3 * u());
      const noise = Math.exp(0.8 * normal(u));
      const keepDraw = u();
      const cross = right(i) !== right(j);
      const strength = cross && !homotopic(i, j) ? 0.1 : 1;
      const pKeep = Math.min(1, 1.6 * Math.exp(-d / 80));
      const forced = homotopic(i, j) || nearest[i] === j || nearest[j] === i;
      const w = forced || keepDraw < pKeep ? strength * Math.exp(-d / LAMBDA) * noise : 0;
      weights[i * n + j] = weights[j * n + i] = w;
      tract[i * n + j] = tract[j * n + i] = len;
    }
  }
  let max = 0;
  for (const w of weights) max = Math.max(max, w);
  for (let k = 0; k < weights.length; k++) weights[k] /= max;

  const width = Math.max(2, String(Math.max(nLeft, nRight) - 1).length);
  const labels = centres.map((_, i) => `syn-${right(i) ? 'R' : 'L'}${String(right(i) ? i - nLeft : i).padStart(width, '0')}`);
  const areas = centres.map(() => 1500 * Math.exp(0.4 * normal(u)));
  const orientations = centres.flatMap((c) => {
    const norm = Math.hypot(c[0] / RADII[0], c[1] / RADII[1], c[2] / RADII[2]);
    return c.map((x, k) => x / RADII[k] / norm);
  });

  return new Connectivity({
    n,
    weights,
    tractLengths: tract,
    centres: centres.flat(),
    labels,
    cortical: centres.map(() => true),
    hemispheres: centres.map((_, i) => right(i)),
    areas,
    orientations,
    speed: options.speed ?? DEFAULT_SPEED,
    nodeMetadata: { synthetic: centres.map(() => true) },
    name: SYNTHETIC_NAME,
    source: `synthetic:nodes=${n},seed=${seed}`,
  });
}
