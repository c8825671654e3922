import { createServer, Server, Socket, connect } from 'node:net';

/**
 * A TCP forwarder between the server processes and the shared MariaDB, so a
 * test can take "the database" away without touching the real one: `cut()`
 * drops every open connection and refuses new ones until `restore()`.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private forwarding = true;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number) {
    const server = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () =>
        resolve((server.address() as { port: number }).port),
      );
    });
    const proxy = new TcpProxy(server, port);
    server.on('connection', (client) =>
      proxy.accept(client, targetHost, targetPort),
    );
    return proxy;
  }

  cut(): void {
    this.forwarding = false;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.forwarding = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: Socket, host: string, port: number): void {
    if (!this.forwarding) {
      client.destroy();
      return;
    }
    const upstream = connect(port, host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
