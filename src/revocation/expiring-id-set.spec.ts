import { randomBytes } from 'node:crypto';
import { ExpiringIdSet } from './expiring-id-set';

const newId = () => randomBytes(16).toString('base64url');

describe(ExpiringIdSet.name, () => {
  it('finds what was added and nothing else', () => {
    const set = new ExpiringIdSet();
    const ids = Array.from({ length: 5000 }, newId);
    for (const id of ids) expect(set.add(id, 10_000_000)).toBe(true);
    expect(set.size).toBe(5000);
    for (const id of ids) expect(set.has(id)).toBe(true);
    for (let i = 0; i < 5000; i++) expect(set.has(newId())).toBe(false);
  });

  it('tells apart ids that differ in one character anywhere, including the last', () => {
    const set = new ExpiringIdSet();
    const id = 'AAAAAAAAAAAAAAAAAAAAAA';
    set.add(id, 10_000_000);
    for (let i = 0; i < id.length; i++) {
      const other = id.slice(0, i) + 'B' + id.slice(i + 1);
      expect(set.has(other)).toBe(false);
    }
    expect(set.has(id)).toBe(true);
  });

  it('does not add an id twice', () => {
    const set = new ExpiringIdSet();
    const id = newId();
    expect(set.add(id, 5_000)).toBe(true);
    expect(set.add(id, 9_000)).toBe(false);
    expect(set.size).toBe(1);
  });

  it('sweeps expired entries and keeps the live ones findable', () => {
    const set = new ExpiringIdSet();
    const early = Array.from({ length: 3000 }, newId);
    const late = Array.from({ length: 3000 }, newId);
    for (const id of early) set.add(id, 100_000);
    for (const id of late) set.add(id, 900_000);
    expect(set.sweep(99_000)).toBe(0);
    expect(set.sweep(100_000)).toBe(3000);
    expect(set.size).toBe(3000);
    for (const id of early) expect(set.has(id)).toBe(false);
    for (const id of late) expect(set.has(id)).toBe(true);
    expect(set.sweep(900_000)).toBe(3000);
    expect(set.size).toBe(0);
  });

  it('keeps ids of another shape in its fallback set', () => {
    const set = new ExpiringIdSet();
    expect(set.add('not-a-minted-id', 10_000)).toBe(true);
    expect(set.add('é'.repeat(22), 10_000)).toBe(true);
    expect(set.has('not-a-minted-id')).toBe(true);
    expect(set.has('é'.repeat(22))).toBe(true);
    expect(set.size).toBe(2);
    expect(set.sweep(10_000 + 60_000)).toBe(2);
  });

  it('holds a million ids in about 48 bytes each', () => {
    const set = new ExpiringIdSet();
    for (let i = 0; i < 1_000_000; i++) set.add(newId(), 10_000_000);
    expect(set.size).toBe(1_000_000);
    expect(set.tableBytes / set.size).toBeLessThan(60);
  });
});
