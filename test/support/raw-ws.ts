import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';

export interface RawFrame {
  opcode: number;
  payload: Buffer;
}

/**
 * A WebSocket peer written against the bare protocol, which does what `ws`
 * never does: it ignores the server's close frame and keeps sending, as a
 * misbehaving or hostile client would. Text frames only, small payloads.
 */
export class RawWebSocket {
  readonly frames: RawFrame[] = [];
  readonly ended: Promise<void>;
  private buffer = Buffer.alloc(0);

  private constructor(private readonly socket: Socket) {
    this.ended = new Promise((resolve) =>
      socket.once('close', () => resolve()),
    );
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => this.read(chunk));
  }

  static open(port: number, path: string): Promise<RawWebSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const status = head.subarray(0, end).toString().split(' ')[1];
        if (status !== '101') {
          socket.destroy();
          reject(new Error(`upgrade refused: ${status}`));
          return;
        }
        const client = new RawWebSocket(socket);
        if (head.length > end + 4) client.read(head.subarray(end + 4));
        resolve(client);
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          'Sec-WebSocket-Version: 13\r\n\r\n',
      );
    });
  }

  /** Sends a masked text frame, whatever the connection's state. */
  sendText(text: string): void {
    const payload = Buffer.from(text);
    if (payload.length > 125) throw new Error('small frames only');
    const mask = randomBytes(4);
    const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
    this.socket.write(
      Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]),
    );
  }

  get closeFrame(): RawFrame | undefined {
    return this.frames.find((frame) => frame.opcode === 0x8);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) return;
      let length = this.buffer[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      }
      if (this.buffer.length < offset + length) return;
      this.frames.push({
        opcode: this.buffer[0] & 0x0f,
        payload: this.buffer.subarray(offset, offset + length),
      });
      this.buffer = this.buffer.subarray(offset + length);
    }
  }
}
