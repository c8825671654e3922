/** What to do with one incoming frame. */
export type FrameVerdict = 'dispatch' | 'refuse' | 'close';

/**
 * A socket's frames per second: up to `perSecond` are dispatched; the next
 * `perSecond` in the same second are refused (the client gets an error event
 * and can slow down); beyond that the client is not listening, and the
 * socket is closed. One counter and one instant per socket.
 */
export class MessageBudget {
  private windowStartMs = 0;
  private count = 0;

  constructor(private readonly perSecond: number) {}

  take(nowMs: number): FrameVerdict {
    if (nowMs - this.windowStartMs >= 1000) {
      this.windowStartMs = nowMs;
      this.count = 0;
    }
    this.count++;
    if (this.count <= this.perSecond) return 'dispatch';
    if (this.count <= 2 * this.perSecond) return 'refuse';
    return 'close';
  }
}
