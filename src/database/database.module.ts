import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import {
  LockedDataSourceOptions,
  MigrationLockedDataSource,
} from './migration-lock';
import { PreparedStatements } from './prepared-statements';
import { TransactionRunner } from './transaction-runner';

/** The TypeORM connection, TransactionRunner for work that must be atomic, and PreparedStatements for the hot paths (global). */
@Global()
@Module({
  providers: [TransactionRunner, PreparedStatements],
  exports: [TransactionRunner, PreparedStatements],
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      // Fail start-up on the first connection error instead of retrying
      // quietly for half a minute: an operator wants the error now.
      useFactory: async (config: AppConfig) => ({
        ...(await dataSourceOptions(config)),
        autoLoadEntities: true,
        retryAttempts: 0,
      }),
      // The migrations that initialize() runs take a database-wide lock, so
      // replicas started together migrate a new database once. The options
      // are useFactory's, with the entities added.
      dataSourceFactory: async (options) =>
        new MigrationLockedDataSource(options as LockedDataSourceOptions),
    }),
  ],
})
export class DatabaseModule {}
