import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Database, Statement } from 'better-sqlite3';
import type { Pool } from 'mysql2';
import type { Pool as PromisePool, ResultSetHeader } from 'mysql2/promise';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DataSource } from 'typeorm';

/** A row as the driver returns it: column name to raw value, no entity. */
export type RawRow = Record<string, unknown>;
/** What a placeholder takes on both drivers (a Buffer binds as a BLOB). */
export type SqlValue = string | number | Buffer | null;

/**
 * Hot-path statements, below TypeORM's query builder and entity hydration:
 * SQL with `?` placeholders that both drivers read alike, prepared once and
 * reused. MySQL/MariaDB get server-side prepared statements (mysql2's
 * `execute`, cached per pooled connection); SQLite gets better-sqlite3
 * statements cached here. For the few statements a request runs on every
 * refresh or logout; everything else stays with TypeORM.
 *
 * Raw values are the drivers': BIGINT comes back as a string from MySQL
 * (TypeORM asks for big-number strings), booleans as 0/1 on both. Pass
 * booleans as 0/1 too: better-sqlite3 refuses to bind `true`.
 */
@Injectable()
export class PreparedStatements {
  private readonly pool?: PromisePool;
  private readonly sqlite?: Database;
  private readonly cache = new Map<string, Statement>();

  constructor(@InjectDataSource() dataSource: DataSource) {
    const driver = dataSource.driver as unknown as {
      pool?: Pool;
      databaseConnection?: Database;
    };
    if (dataSource.options.type === 'better-sqlite3')
      this.sqlite = driver.databaseConnection;
    else this.pool = driver.pool!.promise();
  }

  /**
   * True on SQLite, whose statements run in-process and synchronously: a
   * statement there costs no round trip, so per-row statements are cheap,
   * and SQL that only MySQL/MariaDB read can be avoided.
   */
  get embedded(): boolean {
    return this.sqlite !== undefined;
  }

  /** The rows `sql` selects. */
  async all(sql: string, params: SqlValue[]): Promise<RawRow[]> {
    if (this.sqlite) return this.statement(sql).all(...params) as RawRow[];
    const [rows] = await this.pool!.execute(sql, params);
    return rows as RawRow[];
  }

  /** The first row `sql` selects, or undefined. */
  async one(sql: string, params: SqlValue[]): Promise<RawRow | undefined> {
    if (this.sqlite)
      return this.statement(sql).get(...params) as RawRow | undefined;
    return (await this.all(sql, params))[0];
  }

  /** Runs a write; resolves to the number of rows it changed. */
  async run(sql: string, params: SqlValue[]): Promise<number> {
    if (this.sqlite) return this.statement(sql).run(...params).changes;
    const [result] = await this.pool!.execute<ResultSetHeader>(sql, params);
    return result.affectedRows;
  }

  /**
   * Runs `sql` once for each parameter list, all in one commit: for many
   * small independent writes (one durable commit instead of one each).
   * SQLite runs them synchronously, so keep the lists short: the event loop
   * waits for all of them. On SQLite's single connection, a transaction
   * TypeORM has open (and is awaiting inside) is let finish first, so these
   * writes never land in, or roll back with, somebody else's transaction.
   */
  async runEach(sql: string, paramLists: SqlValue[][]): Promise<void> {
    if (this.sqlite) {
      const db = this.sqlite;
      while (db.inTransaction) await nextTurn();
      const statement = this.statement(sql);
      db.transaction(() => {
        for (const params of paramLists) statement.run(...params);
      })();
      return;
    }
    const connection = await this.pool!.getConnection();
    try {
      await connection.beginTransaction();
      for (const params of paramLists) await connection.execute(sql, params);
      await connection.commit();
    } catch (error) {
      await connection.rollback().catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  }

  private statement(sql: string): Statement {
    let statement = this.cache.get(sql);
    if (!statement) {
      statement = this.sqlite!.prepare(sql);
      this.cache.set(sql, statement);
    }
    return statement;
  }
}
