/** numpy .npy/.npz reading against numpy itself: dtypes, byte orders, Fortran order, strings, dk_average. */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared.js';
import { HAVE_PY, PY_SKIP, py } from '../tools/python-clients.js';
import { npyScalar, parseNpy, readNpy, readNpz } from '../src/io/npy.js';
import { connectivityFromNpz } from '../src/io/files.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vbt-npy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A v1.0 .npy built by hand (header padded to 64 bytes), so the parser is checked without numpy too. */
function npy(descr: string, shape: number[], body: Uint8Array, fortran = false): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, 10 + header.length);
  return out;
}

describe('npy parser', () => {
  it('reads C and Fortran order, big-endian and strings; names truncation', () => {
    const c = parseNpy(npy('<f8', [2, 3], new Uint8Array(Float64Array.of(1, 2, 3, 4, 5, 6).buffer)));
    expect(c.shape).toEqual([2, 3]);
    expect(Array.from(c.data as Float64Array)).toEqual([1, 2, 3, 4, 5, 6]);
    // Fortran order stores columns first: 1 4 2 5 3 6 is the same 2x3 matrix
    const f = parseNpy(npy('<f8', [2, 3], new Uint8Array(Float64Array.of(1, 4, 2, 5, 3, 6).buffer), true));
    expect(Array.from(f.data as Float64Array)).toEqual([1, 2, 3, 4, 5, 6]);
    const be = new Uint8Array(8);
    new DataView(be.buffer).setInt32(0, -7, false);
    new DataView(be.buffer).setInt32(4, 300, false);
    expect(Array.from(parseNpy(npy('>i4', [2], be)).data as Float64Array)).toEqual([-7, 300]);
    const u = new Uint8Array(2 * 3 * 4);
    const dv = new DataView(u.buffer);
    [...'ab'].forEach((ch, k) => dv.setUint32(k * 4, ch.codePointAt(0)!, true));
    [...'µxy'].forEach((ch, k) => dv.setUint32(12 + k * 4, ch.codePointAt(0)!, true));
    expect(parseNpy(npy('<U3', [2], u)).data).toEqual(['ab', 'µxy']);
    expect(npyScalar(parseNpy(npy('<i8', [], new Uint8Array(BigInt64Array.of(84n).buffer))))).toBe(84);
    expect(() => parseNpy(npy('<f8', [4], new Uint8Array(16)), 'x.npy')).toThrow(/x\.npy: truncated \.npy data: 16 bytes for 4 items of <f8 \(need 32\)/);
    expect(() => parseNpy(npy('|O', [1], new Uint8Array(8)), 'o.npy')).toThrow(/dtype '\|O' is not supported/);
    expect(() => parseNpy(new TextEncoder().encode('not numpy'), 'n.npy')).toThrow(/n\.npy: not a \.npy file/);
  });

  it.skipIf(!HAVE_PY)(`agrees with numpy for every supported dtype ${HAVE_PY ? '' : PY_SKIP}`, () => {
    const p = join(dir, 'many.npz');
    const want = py(`
import sys, json, numpy as np
a = {'f8': np.arange(12, dtype='<f8').reshape(3, 4) / 7, 'f4': np.linspace(-1, 1, 5).astype('<f4'), 'i8': np.array([-2**40, 3]),
     'u1': np.array([0, 255], dtype='u1'), 'b': np.array([True, False, True]), 'big': np.arange(6, dtype='>f8').reshape(2, 3) * 1.1,
     'fort': np.asfortranarray(np.arange(24, dtype='<f8').reshape(2, 3, 4)), 'S': np.array([b'ab', b'c']), 'U': np.array(['rA1', 'lPFCDL'])}
np.savez_compressed(sys.argv[1], **a)
print(json.dumps({k: {'shape': list(v.shape), 'data': [x.decode() if isinstance(x, bytes) else (x if isinstance(x, str) else float(x)) for x in v.ravel(order='C').tolist()]} for k, v in a.items()}))
`, p);
    const got = readNpz(p);
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const [k, w] of Object.entries(want as Record<string, { shape: number[]; data: (number | string)[] }>)) {
      expect(got[k].shape, k).toEqual(w.shape);
      expect(Array.from(got[k].data as ArrayLike<number | string>), k).toEqual(w.data);
    }
    writeFileSync(join(dir, 'one.npy'), readFileSync(p).subarray(0, 0)); // empty file
    expect(() => readNpy(join(dir, 'one.npy'))).toThrow(/not a \.npy file/);
    expect(() => readNpz(join(dir, 'missing.npz'))).toThrow(/missing\.npz: cannot read/);
  });
});

describe.skipIf(!HAVE_SHARED)(`dk_average .npz ${HAVE_SHARED ? '' : SKIP_REASON}`, () => {
  it('reads SC, FC and labels as numpy does', () => {
    const sc = readNpz(sharedPath('data/dk_average/structural.npz'));
    const fc = readNpz(sharedPath('data/dk_average/functional.npz'));
    expect(sc.weights.shape).toEqual([84, 84]);
    expect(sc.region_labels.shape).toEqual([84]);
    expect(npyScalar(sc.n_nodes)).toBe(84);
    expect(npyScalar(sc.atlas)).toBe('Desikan-Killiany');
    expect(fc.fc.shape).toEqual([84, 84]);
    const conn = connectivityFromNpz(sharedPath('data/dk_average/structural.npz'));
    expect(conn.n).toBe(84);
    expect(conn.labels).toEqual(sc.region_labels.data);
    if (!HAVE_PY) return;
    // the arrays are stored Fortran-ordered: compare element (i, j) with numpy's indexing
    const r = py(`
import sys, json, numpy as np
s = np.load(sys.argv[1]); f = np.load(sys.argv[2])
print(json.dumps({'w': s['weights'].ravel(order='C').tolist(), 'l': s['lengths'].ravel(order='C').tolist(), 'labels': s['region_labels'].tolist(),
  'fc': f['fc'].ravel(order='C').tolist(), 'w_3_5': float(s['weights'][3, 5]), 'hist': f['fcd_hist'].tolist()}))
`, sharedPath('data/dk_average/structural.npz'), sharedPath('data/dk_average/functional.npz'));
    expect(Array.from(sc.weights.data as Float64Array)).toEqual(r.w);
    expect(Array.from(sc.lengths.data as Float64Array)).toEqual(r.l);
    expect(sc.region_labels.data).toEqual(r.labels);
    expect(Array.from(fc.fc.data as Float64Array)).toEqual(r.fc);
    expect(Array.from(fc.fcd_hist.data as Float64Array)).toEqual(r.hist);
    expect(conn.weights[3 * 84 + 5]).toBe(r.w_3_5);
  });
});
