import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { AppConfig } from '../config/app-config';
import { Metrics } from './metrics';
import { PrometheusMetrics } from './prometheus-metrics';

/**
 * `GET /metrics` on METRICS_HOST:METRICS_PORT, a plain node:http server of
 * its own: never on the API port, where auth counters would be
 * reconnaissance for anyone. Listening fails start-up (a port taken is an
 * operator's mistake to see at once); closed at shutdown.
 */
@Injectable()
export class MetricsListener
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger('Metrics');
  private server?: Server;

  constructor(
    private readonly metrics: Metrics,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const metrics = this.metrics;
    if (!(metrics instanceof PrometheusMetrics)) return;
    const { registry } = metrics;
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      if (
        path !== '/metrics' ||
        (request.method !== 'GET' && request.method !== 'HEAD')
      ) {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('GET /metrics\n');
        return;
      }
      registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': registry.contentType });
          response.end(request.method === 'HEAD' ? undefined : text);
        },
        (error: unknown) => {
          this.logger.warn(`metrics collection failed: ${String(error)}`);
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end('collection failed\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.metricsPort, this.config.metricsHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const { address, port } = server.address() as AddressInfo;
    this.logger.log(`Prometheus metrics on http://${address}:${port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Prometheus keeps its connection alive between scrapes.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
