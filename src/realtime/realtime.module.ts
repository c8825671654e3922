import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AppConfig } from '../config/app-config';
import type { ClientSocket } from './client-socket';
import { ClusterSocketCount } from './cluster-socket-count';
import { RealtimeGateway } from './realtime.gateway';
import { SocketAdmission } from './socket-admission.service';
import { SocketRegistry } from './socket-registry';
import { SocketSupervisor } from './socket-supervisor.service';

/**
 * The WebSocket endpoint. Needs `app.useWebSocketAdapter(new
 * AuthenticatingWsAdapter(app))` (configureApp), which authenticates the
 * upgrade through SocketAdmission.
 */
@Module({
  exports: [SocketSupervisor],
  imports: [AuthModule],
  providers: [
    RealtimeGateway,
    SocketAdmission,
    SocketSupervisor,
    ClusterSocketCount,
    {
      provide: SocketRegistry,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new SocketRegistry<ClientSocket>({
          perUser: config.wsMaxSocketsPerUser,
          total: config.wsMaxSockets,
        }),
    },
  ],
})
export class RealtimeModule {}
