'use strict';
/**
 * Direct database access for seeding: inserting 1,000,000 blocklist rows
 * through the API would take longer than the benchmark itself. The schema is
 * created by the server's own migrations (the bench starts it once on the
 * empty database first), so seeding never drifts from the real tables.
 */
const { randomBytes } = require('node:crypto');
const path = require('node:path');
const { onCleanup } = require('./proc');

/** How many rows one INSERT / transaction carries. */
const BATCH = 5000;

/** An empty database for one server: a fresh SQLite file, or a fresh MariaDB schema (dropped at cleanup). */
async function createDatabase(kind, { tmpDir, name, mysqlUrl }) {
  if (kind === 'sqlite') {
    const file = path.join(tmpDir, `${name}.sqlite`);
    return { kind, name, serverUrl: `sqlite:${file}`, file };
  }
  const mysql = require('mysql2/promise');
  const base = new URL(mysqlUrl);
  const schema = `bench_${process.pid}_${name}`.replace(/[^A-Za-z0-9_]/g, '_');
  const admin = await mysql.createConnection(connectionOptions(base));
  await admin.query(`DROP DATABASE IF EXISTS \`${schema}\``);
  await admin.query(`CREATE DATABASE \`${schema}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  onCleanup(async () => {
    const c = await mysql.createConnection(connectionOptions(base));
    await c.query(`DROP DATABASE IF EXISTS \`${schema}\``);
    await c.end();
  });
  const serverUrl = new URL(mysqlUrl);
  serverUrl.pathname = `/${schema}`;
  return { kind, name, serverUrl: serverUrl.toString(), schema, base };
}

function connectionOptions(url, database) {
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password),
    database,
    supportBigNumbers: true,
  };
}

/** Runs `fn(insertRows)` where insertRows(table, columns, rows) writes in batches. */
async function withWriter(db, fn) {
  if (db.kind === 'sqlite') {
    // The server's choice (src/database/better-sqlite3-driver.ts): 12 aborts Node 24.19+.
    const Database = require(Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3');
    const conn = new Database(db.file);
    conn.pragma('journal_mode = WAL');
    conn.pragma('synchronous = OFF');
    const statements = new Map();
    const insertRows = async (table, columns, rows) => {
      const key = `${table}:${columns}`;
      if (!statements.has(key)) {
        statements.set(key, conn.prepare(`INSERT INTO ${table} (${columns.join(',')}) VALUES (${columns.map(() => '?').join(',')})`));
      }
      const stmt = statements.get(key);
      const insertMany = conn.transaction((batch) => { for (const row of batch) stmt.run(row); });
      for (let i = 0; i < rows.length; i += BATCH) insertMany(rows.slice(i, i + BATCH));
    };
    try {
      await fn(insertRows);
    } finally {
      conn.pragma('wal_checkpoint(TRUNCATE)');
      conn.close();
    }
    return;
  }
  const mysql = require('mysql2/promise');
  const conn = await mysql.createConnection(connectionOptions(db.base, db.schema));
  const insertRows = async (table, columns, rows) => {
    for (let i = 0; i < rows.length; i += BATCH) {
      await conn.query(`INSERT INTO ${table} (${columns.join(',')}) VALUES ?`, [rows.slice(i, i + BATCH)]);
    }
  };
  try {
    await fn(insertRows);
  } finally {
    await conn.end();
  }
}

/** users: [{ username, hash, tier }] */
async function seedUsers(db, users) {
  const now = Date.now();
  await withWriter(db, (insert) =>
    insert(
      'users',
      ['username', 'password_hash', 'permission_tier', 'disabled', 'token_version', 'tokens_revoked_at', 'created_at'],
      users.map((u) => [u.username, u.hash, u.tier, 0, 0, null, now]),
    ),
  );
}

/**
 * `count` live blocklist rows: random 22-char base64url JTIs (what the server
 * issues), expiring 2 h from now. created_at is an hour back, so the rows look
 * like old logouts and not like a burst the server's 10 s sync overlap re-reads.
 */
async function seedBlocklist(db, count) {
  const now = Date.now();
  const expires = now + 2 * 3600_000;
  const created = now - 3600_000;
  await withWriter(db, async (insert) => {
    const chunk = 100_000; // bounded memory for the row arrays
    for (let done = 0; done < count; done += chunk) {
      const rows = [];
      for (let i = 0; i < Math.min(chunk, count - done); i++) {
        rows.push([randomBytes(16).toString('base64url'), 1 + (i % 1000), expires, created]);
      }
      await insert('blocklisted_jtis', ['jti', 'user_id', 'expires_at', 'created_at'], rows);
    }
  });
}

module.exports = { createDatabase, seedUsers, seedBlocklist };
