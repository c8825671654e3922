import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs a unit of work in one database transaction. On MySQL each transaction
 * takes its own pooled connection. The embedded SQLite has a single
 * connection, and TypeORM cannot run two transactions on it at once (the
 * second one's COMMIT fails with "Transaction is not started yet"), so on
 * SQLite transactions take turns here.
 */
@Injectable()
export class TransactionRunner {
  private turn: Promise<unknown> = Promise.resolve();
  private readonly serialise: boolean;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.serialise = dataSource.options.type === 'better-sqlite3';
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.serialise) return this.dataSource.transaction(work);
    const result = this.turn.then(() => this.dataSource.transaction(work));
    this.turn = result.catch(() => undefined);
    return result;
  }
}
