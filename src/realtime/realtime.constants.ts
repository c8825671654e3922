/** The one WebSocket path, on the REST port (the adapter matches it exactly: `/ws/` is not it). */
export const WS_PATH = '/ws';

/** Largest frame a client may send; ws closes the socket with 1009 beyond it. */
export const WS_MAX_PAYLOAD_BYTES = 64 * 1024;

/** How often the shared sweep closes sockets whose token expired (bounds the close delay). */
export const WS_EXPIRY_SWEEP_MS = 250;

/** Event name of the error replies: `{"event":"error","data":{"error","code"}}`. */
export const WS_ERROR_EVENT = 'error';
