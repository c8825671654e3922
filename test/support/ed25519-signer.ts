import * as ed from '@noble/ed25519';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';

/** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the 32 raw bytes follow it. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface SignOptions {
  /** Sent as X-API-Timestamp (and signed); now by default. */
  timestamp?: number | string;
  /** Sent as X-API-Recv-Window when given. */
  recvWindow?: string;
  /** What is signed, where it differs from what is sent (to prove each part is covered). */
  signed?: {
    timestamp?: string;
    method?: string;
    target?: string;
    body?: string;
  };
}

/**
 * A client's Ed25519 key pair, signing with @noble/ed25519: an
 * implementation independent of the server's (node:crypto, OpenSSL), so a
 * test passes only if both agree on the signed string and the encoding.
 */
export class Ed25519Signer {
  private constructor(
    private readonly secretKey: Uint8Array,
    readonly publicKey: Uint8Array,
  ) {}

  static async create(): Promise<Ed25519Signer> {
    const secretKey = new Uint8Array(randomBytes(32));
    return new Ed25519Signer(secretKey, await ed.getPublicKeyAsync(secretKey));
  }

  /** The 32 raw bytes in base64, as `public_key` takes them. */
  get publicKeyBase64(): string {
    return Buffer.from(this.publicKey).toString('base64');
  }

  /** The same key as a PEM SPKI, built by hand from its raw bytes. */
  get publicKeyPem(): string {
    const der = Buffer.concat([SPKI_PREFIX, this.publicKey]).toString('base64');
    return `-----BEGIN PUBLIC KEY-----\n${der}\n-----END PUBLIC KEY-----\n`;
  }

  /** The four headers of a signed request, over `<timestamp>\n<METHOD>\n<target>\n<hex SHA-256 of body>`. */
  async headers(
    keyId: string,
    method: string,
    target: string,
    body = '',
    options: SignOptions = {},
  ): Promise<Record<string, string>> {
    const timestamp = String(options.timestamp ?? Date.now());
    const signed = options.signed ?? {};
    const digest = createHash('sha256')
      .update(signed.body ?? body, 'utf8')
      .digest('hex');
    const message = [
      signed.timestamp ?? timestamp,
      signed.method ?? method,
      signed.target ?? target,
      digest,
    ].join('\n');
    const signature = await ed.signAsync(
      new TextEncoder().encode(message),
      this.secretKey,
    );
    return {
      'x-api-key': keyId,
      'x-api-timestamp': timestamp,
      'x-api-signature': Buffer.from(signature).toString('base64'),
      ...(options.recvWindow === undefined
        ? {}
        : { 'x-api-recv-window': options.recvWindow }),
    };
  }
}

export interface PlainResponse {
  status: number;
  body: any;
  headers: Record<string, string>;
}

/**
 * One request with the request target sent exactly as given (fetch would
 * normalise it) and the body as raw text, from `localAddress`.
 */
export function send(
  baseUrl: string,
  method: string,
  target: string,
  options: {
    headers?: Record<string, string>;
    body?: string;
    localAddress?: string;
  } = {},
): Promise<PlainResponse> {
  const { hostname, port } = new URL(baseUrl);
  const headers: Record<string, string | number> = { ...options.headers };
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = Buffer.byteLength(options.body);
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: hostname,
        port: Number(port),
        method,
        path: target,
        headers,
        agent: false,
        localAddress: options.localAddress ?? '127.0.0.1',
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const flat: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers))
            if (value !== undefined)
              flat[name] = Array.isArray(value) ? value.join(', ') : value;
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = text;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, headers: flat });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sends a request signed by `signer` for key `keyId`. */
export async function sendSigned(
  baseUrl: string,
  signer: Ed25519Signer,
  keyId: string,
  method: string,
  target: string,
  options: SignOptions & { body?: string; localAddress?: string } = {},
): Promise<PlainResponse> {
  const headers = await signer.headers(
    keyId,
    method,
    target,
    options.body,
    options,
  );
  return send(baseUrl, method, target, {
    headers,
    body: options.body,
    localAddress: options.localAddress,
  });
}
