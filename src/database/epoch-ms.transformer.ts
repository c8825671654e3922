import { ValueTransformer } from 'typeorm';

/**
 * Instants are stored as BIGINT milliseconds since the epoch: the same type
 * and meaning on SQLite and MySQL, no time-zone conversions, and comparable
 * with JWT `exp` arithmetic. mysql2 returns BIGINT as a string; this turns it
 * back into a number (ms values stay far below 2^53).
 */
export const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) =>
    value === null || value === undefined ? value : Number(value),
};
