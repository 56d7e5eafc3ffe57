/**
 * Boolean enumerations written by rewriting h5wasm's int8 datatype message: the checksum against
 * Jenkins' published values and HDF5's own superblock checksum, h5py reading numpy bool, TVB's
 * Connectivity `cortical`/`hemispheres` through our writer, and refusals that leave nothing behind.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAVE_PY, PY_SKIP, py } from '../tools/python-clients.js';
import { boolEnumDatatype, convertToBoolEnums, lookup3, objectAddress, rewriteAsBoolEnum } from '../src/io/h5-enum.js';
import { withH5, writeH5Atomic } from '../src/io/h5.js';
import { readTvbConnectivityH5, writeTvbConnectivityH5 } from '../src/io/tvb-h5.js';
import { Connectivity } from '../src/network/connectivity.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vbt-h5-enum-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

async function int8File(path: string, values: number[], extra?: (f: Parameters<Parameters<typeof writeH5Atomic>[1]>[0]) => void): Promise<number> {
  let address = 0;
  await writeH5Atomic(path, (f) => {
    f.create_dataset({ name: 'x', data: Float64Array.of(1.5, 2.5), shape: [2], dtype: '<d' });
    const d = f.create_dataset({ name: 'flags', data: Int8Array.from(values), shape: [values.length], dtype: '|b1' });
    address = objectAddress(d);
    extra?.(f);
  }, { overwrite: true });
  return address;
}

describe('lookup3 checksum', () => {
  it("gives Bob Jenkins' published hashlittle values and HDF5's own superblock checksum", async () => {
    // lookup3.c driver5: hashlittle("", 0, 0) = 0xdeadbeef; "Four score and seven years ago" with 0 and 1
    expect(lookup3(new Uint8Array(0))).toBe(0xdeadbeef);
    expect(lookup3(bytes('Four score and seven years ago'), 0)).toBe(0x17770551);
    expect(lookup3(bytes('Four score and seven years ago'), 1)).toBe(0xcd628161);
    const p = join(dir, 'sb.h5');
    await int8File(p, [1, 0]);
    const b = new Uint8Array(readFileSync(p));
    expect(b[8]).toBe(2); // superblock version 2: 44 bytes, then its checksum
    expect(lookup3(b.subarray(0, 44))).toBe(Buffer.from(b.subarray(44, 48)).readUInt32LE(0));
  });

  it('encodes {FALSE: 0, TRUE: 1} over int8 as a version-1 enumeration message (38 bytes)', () => {
    const e = boolEnumDatatype();
    expect(e.length).toBe(38);
    expect(e[0]).toBe(0x18); // version 1, class 8
    expect(Buffer.from(e.subarray(20, 36)).toString('latin1')).toBe('FALSE\0\0\0TRUE\0\0\0\0');
    expect(Array.from(e.subarray(36))).toEqual([0, 1]);
  });
});

describe('boolean datasets', () => {
  it('h5wasm and h5py read the converted dataset as a boolean enumeration; the rest of the file is untouched', async () => {
    const p = join(dir, 'flags.h5');
    const vals = [1, 0, 0, 1, 1];
    const address = await int8File(p, vals);
    convertToBoolEnums(p, [{ name: 'flags', address }]);
    const back = await withH5(p, (f) => {
      const d = f.get('flags') as any;
      return { meta: d.metadata, v: Array.from(d.value as Int8Array), x: Array.from((f.get('x') as any).value as Float64Array) };
    });
    expect(back.meta.type).toBe(8);
    expect(back.meta.enum_type.members).toEqual({ FALSE: 0, TRUE: 1 });
    expect(back.v).toEqual(vals);
    expect(back.x).toEqual([1.5, 2.5]);
    if (!HAVE_PY) return;
    const r = py(`
import sys, json, h5py
f = h5py.File(sys.argv[1], 'r')
d = f['flags']
print(json.dumps({'dtype': str(d.dtype), 'v': d[()].tolist(), 'x': f['x'][()].tolist()}))
`, p);
    expect(r).toEqual({ dtype: 'bool', v: vals.map(Boolean), x: [1.5, 2.5] });
  });

  it('refuses anything but an int8 dataset with a verifying checksum and free header space', async () => {
    const p = join(dir, 'refuse.h5');
    let xAddress = 0;
    const address = await int8File(p, [1, 0], (f) => { xAddress = objectAddress(f.get('x') as any); });
    const before = readFileSync(p);
    expect(() => convertToBoolEnums(p, [{ name: 'x', address: xAddress }], 'refuse.h5')).toThrow(/refuse\.h5: dataset 'x': datatype is not little-endian signed int8/);
    expect(() => convertToBoolEnums(p, [{ name: 'flags', address: address + 1 }], 'refuse.h5')).toThrow(/no version-2 object header \(OHDR\)/);
    expect(() => convertToBoolEnums(p, [{ name: 'flags', address: before.length + 100 }], 'refuse.h5')).toThrow(/past the end of the file/);
    expect(readFileSync(p).equals(before)).toBe(true);
    // a header whose checksum fails is never rewritten
    const h = new Uint8Array(before.subarray(address, address + 400));
    h[12] ^= 0xff;
    expect(() => rewriteAsBoolEnum(h, 'flags')).toThrow(/checksum does not verify/);
    // a second conversion of the same dataset finds an enumeration, not int8
    const twice = join(dir, 'twice.h5');
    copyFileSync(p, twice);
    convertToBoolEnums(twice, [{ name: 'flags', address }]);
    expect(() => convertToBoolEnums(twice, [{ name: 'flags', address }])).toThrow(/datatype is not little-endian signed int8 \(18/);
  });

  it('a failing conversion inside writeH5Atomic leaves no file and no temp file', async () => {
    const p = join(dir, 'fail.h5');
    await expect(writeH5Atomic(p, (f) => { f.create_dataset({ name: 'x', data: Float64Array.of(1), shape: [1], dtype: '<d' }); }, {
      afterClose: (tmp) => convertToBoolEnums(tmp, [{ name: 'x', address: 48 }], p),
    })).rejects.toThrow(/fail\.h5: dataset 'x'/);
    expect(existsSync(p)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});

describe('TVB Connectivity cortical and hemispheres', () => {
  const conn = new Connectivity({
    weights: [0, 1, 2, 1, 0, 3, 2, 3, 0], tractLengths: [0, 5, 6, 5, 0, 7, 6, 7, 0], centres: [0, 0, 0, 1, 1, 1, 2, 2, 2],
    labels: ['rCTX', 'lCTX', 'rTHAL'], cortical: [true, true, false], hemispheres: [true, false, true],
  });

  it('are written as boolean enumerations and read back', async () => {
    const p = join(dir, 'conn.h5');
    await writeTvbConnectivityH5(p, conn);
    const c = await readTvbConnectivityH5(p);
    expect(c.cortical).toEqual([true, true, false]);
    expect(c.hemispheres).toEqual([true, false, true]);
    const types = await withH5(p, (f) => ['cortical', 'hemispheres'].map((k) => (f.get(k) as any).metadata.enum_type.members));
    expect(types).toEqual([{ FALSE: 0, TRUE: 1 }, { FALSE: 0, TRUE: 1 }]);
  });

  it.skipIf(!HAVE_PY)(`h5py reads them as numpy bool ${HAVE_PY ? '' : PY_SKIP}`, async () => {
    const p = join(dir, 'conn-py.h5');
    await writeTvbConnectivityH5(p, conn);
    const r = py(`
import sys, json, h5py
f = h5py.File(sys.argv[1], 'r')
print(json.dumps({k: [str(f[k].dtype), f[k][()].tolist()] for k in ('cortical', 'hemispheres')} | {'w': f['weights'][()].ravel().tolist()}))
`, p);
    expect(r.cortical).toEqual(['bool', [true, true, false]]);
    expect(r.hemispheres).toEqual(['bool', [true, false, true]]);
    expect(r.w).toEqual(Array.from(conn.weights));
  });
});
