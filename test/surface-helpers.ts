/** Meshes for surface tests. */
import type { Surface } from '../src/network/surface';

/** Icosphere of radius r, subdivided n times (vertices on the sphere). */
export function icosphere(n: number, r = 50): Surface {
  const t = (1 + Math.sqrt(5)) / 2;
  let V: number[][] = [[-1, t, 0], [1, t, 0], [-1, -t, 0], [1, -t, 0], [0, -1, t], [0, 1, t], [0, -1, -t], [0, 1, -t], [t, 0, -1], [t, 0, 1], [-t, 0, -1], [-t, 0, 1]];
  let F = [[0, 11, 5], [0, 5, 1], [0, 1, 7], [0, 7, 10], [0, 10, 11], [1, 5, 9], [5, 11, 4], [11, 10, 2], [10, 7, 6], [7, 1, 8], [3, 9, 4], [3, 4, 2], [3, 2, 6], [3, 6, 8], [3, 8, 9], [4, 9, 5], [2, 4, 11], [6, 2, 10], [8, 6, 7], [9, 8, 1]];
  const norm = (p: number[]) => { const l = Math.hypot(p[0], p[1], p[2]); return p.map((x) => (x / l) * r); };
  V = V.map(norm);
  for (let k = 0; k < n; k++) {
    const mid = new Map<string, number>();
    const m = (a: number, b: number) => {
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      if (!mid.has(key)) { V.push(norm(V[a].map((x, d) => (x + V[b][d]) / 2))); mid.set(key, V.length - 1); }
      return mid.get(key)!;
    };
    F = F.flatMap(([a, b, c]) => { const ab = m(a, b), bc = m(b, c), ca = m(c, a); return [[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]; });
  }
  return { vertices: Float64Array.from(V.flat()), triangles: Int32Array.from(F.flat()), normals: new Float64Array(0) };
}

