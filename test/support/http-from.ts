import { request as httpRequest } from 'node:http';

export interface FromResponse {
  status: number;
  body: any;
  headers: Record<string, string>;
}

/**
 * One HTTP request whose socket is bound to `localAddress` (any 127.0.0.0/8
 * address is local here), so the server sees it as that client address:
 * per-address limits tested without proxies or X-Forwarded-For.
 */
export function requestFrom(
  localAddress: string,
  url: string,
  options: {
    method?: string;
    body?: unknown;
    token?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<FromResponse> {
  const payload =
    options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: options.method ?? 'POST',
        localAddress,
        agent: false,
        headers: {
          ...options.headers,
          ...(payload === undefined
            ? {}
            : {
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(payload),
              }),
          ...(options.token
            ? { authorization: `Bearer ${options.token}` }
            : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers))
            if (value !== undefined)
              headers[name] = Array.isArray(value) ? value.join(', ') : value;
          resolve({
            status: res.statusCode ?? 0,
            body: text ? JSON.parse(text) : undefined,
            headers,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** `RateLimit: "name";r=7;t=41` -> { name, r, t }. */
export function parseRateLimit(
  header: string | undefined,
): { name: string; r: number; t: number } | undefined {
  const match = /^"([^"]+)";r=(\d+);t=(\d+)$/.exec(header ?? '');
  return match
    ? { name: match[1], r: Number(match[2]), t: Number(match[3]) }
    : undefined;
}
