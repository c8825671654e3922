import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MetricsListener } from './metrics-listener';
import { Metrics, NoopMetrics } from './metrics';
import { PrometheusMetrics } from './prometheus-metrics';

/**
 * `Metrics`, for every module to record through (global, like the config),
 * and its listener. Prometheus's when METRICS_PORT is set on a server; the
 * no-op otherwise, and always in the CLI, which answers no scrape.
 */
@Global()
@Module({
  providers: [
    {
      provide: Metrics,
      inject: [AppConfig],
      useFactory: (config: AppConfig): Metrics =>
        config.metricsPort !== undefined && config.role === 'server'
          ? new PrometheusMetrics()
          : new NoopMetrics(),
    },
    MetricsListener,
  ],
  exports: [Metrics],
})
export class MetricsModule {}
