import WebSocket from 'ws';

export interface Closed {
  code: number;
  reason: string;
  /** Date.now() when the client saw the close. */
  at: number;
}

/** A real `ws` client that records what it receives. */
export class WsClient {
  private readonly inbox: any[] = [];
  private waiter?: () => void;
  readonly closed: Promise<Closed>;
  isClosed = false;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.inbox.push(JSON.parse((data as Buffer).toString('utf8')));
      this.waiter?.();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        this.isClosed = true;
        resolve({ code, reason: reason.toString(), at: Date.now() });
      }),
    );
  }

  static open(wsBaseUrl: string, token: string): Promise<WsClient> {
    return WsClient.openUrl(
      `${wsBaseUrl}/ws?token=${encodeURIComponent(token)}`,
    );
  }

  /** Opens a socket on a full URL (another gateway's path, or `?ticket=`). */
  static openUrl(url: string): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const client = new WsClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused: ${response.statusCode}`)),
      );
      socket.once('error', reject);
    });
  }

  send(event: string, data?: unknown): void {
    this.socket.send(JSON.stringify({ event, data }));
  }

  sendRaw(frame: string): void {
    this.socket.send(frame);
  }

  /** The next message, in order of arrival. */
  async next(timeoutMs = 2000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      if (Date.now() > deadline)
        throw new Error('no message within ' + timeoutMs + ' ms');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.inbox.shift();
  }

  async request(event: string, data?: unknown): Promise<any> {
    this.send(event, data);
    return this.next();
  }

  /** Resolves with the close, or rejects when none comes within `timeoutMs`. */
  closedWithin(timeoutMs: number): Promise<Closed> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`socket still open after ${timeoutMs} ms`)),
        Math.max(0, timeoutMs),
      );
    });
    return Promise.race([this.closed, timeout]).finally(() =>
      clearTimeout(timer),
    );
  }

  /** Everything received and not yet read, in order of arrival. */
  drain(): any[] {
    return this.inbox.splice(0);
  }

  close(): void {
    this.socket.terminate();
  }
}
