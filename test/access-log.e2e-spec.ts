import { randomBytes } from 'node:crypto';
import { DRIVERS } from './support/databases';
import { ServerProcess } from './support/server-process';

describe.each(DRIVERS)('the access log on $name', (driver) => {
  it('writes one JSON line per request at the production defaults, and loses none on SIGTERM', async () => {
    const db = await driver.create();
    const server = await ServerProcess.start({
      NODE_ENV: 'production',
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'info',
      DATABASE_URL: db.url,
    });
    try {
      const requests = 200;
      for (let i = 0; i < requests; i++) {
        const response = await fetch(`${server.url}/auth/me?n=${i}`);
        await response.arrayBuffer();
      }
      // Straight after the last answer: the lines may still be in the buffer.
      await server.stop();
      const lines = server
        .output()
        .split('\n')
        .filter((text) => text.includes('"url":"/auth/me?n='))
        .map((text) => JSON.parse(text) as Record<string, unknown>);
      expect(lines).toHaveLength(requests);
      expect(lines[0]).toEqual({
        level: 30,
        time: expect.any(Number),
        pid: expect.any(Number),
        reqId: expect.any(String),
        method: 'GET',
        url: '/auth/me?n=0',
        status: 401,
        ms: expect.any(Number),
        ip: '127.0.0.1',
        msg: 'request',
      });
      expect(lines.map((entry) => entry.url)).toEqual(
        Array.from({ length: requests }, (_, i) => `/auth/me?n=${i}`),
      );
    } finally {
      await server.stop();
      await db.drop();
    }
  });
});
