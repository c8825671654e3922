import type { KeyObject } from 'node:crypto';
import type { Principal } from '../auth/principal';
import type { IpAllowlist } from './ip-allowlist';

/** What a request must show to use the key. */
export type KeyProof =
  | {
      type: 'secret';
      /** Raw SHA-256 of the secret, for timingSafeEqual. */
      secretHash: Buffer;
      /**
       * The secret once a request proved it against the hash, kept in memory
       * only (as the verified-token cache keeps tokens), so later requests
       * compare it in constant time without hashing.
       */
      provenSecret?: string;
    }
  | {
      type: 'ed25519';
      /** Built once when the row is read (ed25519KeyObject). */
      publicKey: KeyObject;
    };

/** A key as read from the database and judged, memoised by id (ApiKeyMemo). */
export type VerifiedKey =
  | {
      valid: true;
      id: string;
      userId: number;
      proof: KeyProof;
      allowlist: IpAllowlist;
      /** Epoch ms, or null for a key that does not expire. */
      expiresAtMs: number | null;
      /** What a request made with the key stands for. */
      principal: Principal;
      verifiedAtMs: number;
      /** Background bookkeeping of last use (ApiKeyUsageRecorder). */
      usage: KeyUsage;
    }
  | {
      /** Revoked, ended with its owner's sessions, or its owner disabled: refused without a database read. */
      valid: false;
      id: string;
      verifiedAtMs: number;
    };

export interface KeyUsage {
  /** When this instance last wrote last_used_at (0: never). */
  writtenAtMs: number;
  /** Addresses the key is known to have been used from (bounded). */
  addresses: Set<string>;
}
