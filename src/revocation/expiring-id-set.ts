import { ExpiringSet } from './expiring-set';

/** The ids this service mints (JTIs, session ids): 16 random bytes as 22 base64url characters. */
const ID_LENGTH = 22;
/** 22 characters of 6 bits, packed 5-5-5-5-2 into five 32-bit words: exact, no collisions. */
const WORDS = 5;
const MAX_LOAD = 0.7;
const INITIAL_CAPACITY = 1 << 10;

const SIXTETS = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  .split('')
  .forEach((char, value) => (SIXTETS[char.charCodeAt(0)] = value));

/** Scratch words of the id being looked up (one thread, no re-entrancy). */
const probe = new Uint32Array(WORDS);

/** Packs a 22-character base64url id into `out`; false for any other string. */
function pack(id: string, out: Uint32Array): boolean {
  if (id.length !== ID_LENGTH) return false;
  out.fill(0);
  for (let i = 0; i < ID_LENGTH; i++) {
    const code = id.charCodeAt(i);
    const sixtet = code < 128 ? SIXTETS[code] : -1;
    if (sixtet < 0) return false;
    const word = (i / 5) | 0;
    out[word] = (out[word] << 6) | sixtet;
  }
  return true;
}

/**
 * The revocation state's set of ids, each until its own expiry, in typed
 * arrays: an open-addressing hash table (linear probing) of packed ids and
 * expiry seconds. A million blocklisted JTIs are two array buffers, about
 * 48 bytes an entry, and nothing for the garbage collector to walk; as a Set of
 * strings they were a million heap objects that every major GC marks, which
 * cost the authenticated path several percent of its throughput.
 *
 * Ids of another shape (never minted here) fall back to an ExpiringSet.
 */
export class ExpiringIdSet {
  private capacity = INITIAL_CAPACITY;
  private keys = new Uint32Array(INITIAL_CAPACITY * WORDS);
  /** Expiry in epoch seconds per slot; 0 marks an empty slot. */
  private expiries = new Uint32Array(INITIAL_CAPACITY);
  private count = 0;
  private readonly others = new ExpiringSet();

  get size(): number {
    return this.count + this.others.size;
  }

  /** Bytes held by the table (for the benchmark's memory-per-entry figure). */
  get tableBytes(): number {
    return this.keys.byteLength + this.expiries.byteLength;
  }

  has(id: string): boolean {
    if (!pack(id, probe)) return this.others.has(id);
    return this.find(probe) >= 0;
  }

  /** Adds `id` until `expiresAtMs`; false if it was already there. */
  add(id: string, expiresAtMs: number): boolean {
    if (!pack(id, probe)) return this.others.add(id, expiresAtMs);
    if (this.find(probe) >= 0) return false;
    if (this.count + 1 > this.capacity * MAX_LOAD)
      this.resize(this.capacity * 2);
    this.insert(probe, Math.max(1, Math.ceil(expiresAtMs / 1000)));
    this.count++;
    return true;
  }

  /**
   * Drops every entry that expired by `nowMs`, by rebuilding the table from
   * the live ones (linear probing cannot leave holes in a cluster). Runs on
   * the purge schedule; about 30 ms for a million entries.
   */
  sweep(nowMs: number): number {
    const nowSeconds = Math.floor(nowMs / 1000);
    const before = this.count;
    const { keys, expiries, capacity } = this;
    let live = 0;
    for (let slot = 0; slot < capacity; slot++)
      if (expiries[slot] > nowSeconds) live++;
    // Keep the size unless most of the table died; then shrink to fit.
    let fitting = INITIAL_CAPACITY;
    while (live > fitting * MAX_LOAD) fitting *= 2;
    this.allocate(live > (capacity * MAX_LOAD) / 4 ? capacity : fitting);
    const words = new Uint32Array(WORDS);
    for (let slot = 0; slot < capacity; slot++) {
      if (expiries[slot] <= nowSeconds) continue;
      words.set(keys.subarray(slot * WORDS, slot * WORDS + WORDS));
      this.insert(words, expiries[slot]);
    }
    this.count = live;
    return before - live + this.others.sweep(nowMs);
  }

  private find(words: Uint32Array): number {
    const mask = this.capacity - 1;
    const { keys, expiries } = this;
    for (
      let slot = words[0] & mask;
      expiries[slot] !== 0;
      slot = (slot + 1) & mask
    ) {
      const base = slot * WORDS;
      if (
        keys[base] === words[0] &&
        keys[base + 1] === words[1] &&
        keys[base + 2] === words[2] &&
        keys[base + 3] === words[3] &&
        keys[base + 4] === words[4]
      ) {
        return slot;
      }
    }
    return -1;
  }

  private insert(words: Uint32Array, expirySeconds: number): void {
    const mask = this.capacity - 1;
    let slot = words[0] & mask;
    while (this.expiries[slot] !== 0) slot = (slot + 1) & mask;
    this.keys.set(words, slot * WORDS);
    this.expiries[slot] = expirySeconds;
  }

  private resize(capacity: number): void {
    const { keys, expiries } = this;
    const old = this.capacity;
    this.allocate(capacity);
    const words = new Uint32Array(WORDS);
    for (let slot = 0; slot < old; slot++) {
      if (expiries[slot] === 0) continue;
      words.set(keys.subarray(slot * WORDS, slot * WORDS + WORDS));
      this.insert(words, expiries[slot]);
    }
  }

  private allocate(capacity: number): void {
    this.capacity = capacity;
    this.keys = new Uint32Array(capacity * WORDS);
    this.expiries = new Uint32Array(capacity);
  }
}
