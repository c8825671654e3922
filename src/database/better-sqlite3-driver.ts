import type BetterSqlite3 from 'better-sqlite3';

/**
 * Which build of better-sqlite3 TypeORM opens the embedded database with.
 *
 * better-sqlite3 12 wraps its objects in `node::ObjectWrap`. Since Node
 * 24.19 that header's destructor removes an environment cleanup hook and
 * aborts the process (`Assertion failed: (env) != nullptr` in
 * `RemoveEnvironmentCleanupHook`, nodejs/node#65446) when V8 frees a
 * statement while no context is entered: `npm test` aborted 8 to 14 s in on
 * Node 24.21, twice. better-sqlite3 13 is built on node-addon-api and does not
 * abort, but it needs Node 22 (on Node 20 it segfaults at the first query) and
 * TypeORM 0.3 declares only ^12 as its peer. So both are installed, 13 under
 * the alias `better-sqlite3-napi`, and the running Node picks; 12 goes when
 * Node 20 does.
 */
export type BetterSqlite3Module = 'better-sqlite3' | 'better-sqlite3-napi';

export function betterSqlite3Module(
  nodeVersion: string = process.versions.node,
): BetterSqlite3Module {
  const major = Number(nodeVersion.split('.')[0]);
  return major >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3';
}

/**
 * The module itself, loaded only when SQLite is the database. Anything in
 * this repository that opens an SQLite file (the tests' direct reads
 * included) goes through here: importing `better-sqlite3` directly loads 12,
 * which aborts a Node 24 process (Jest's, when it runs in band) at a GC.
 */
export function loadBetterSqlite3(): typeof BetterSqlite3 {
  // A computed require: the two builds share one API and one type package.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(betterSqlite3Module()) as typeof BetterSqlite3;
}
