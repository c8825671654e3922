'use strict';
/**
 * Physical floor: bare node:http answering the same small JSON /auth/me
 * returns. Nothing the server does can be cheaper than this on this machine.
 */
const http = require('node:http');

const body = JSON.stringify({ id: 1, username: 'bench-u0001', permission_tier: 2 });
const length = Buffer.byteLength(body);

http
  .createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': length });
    res.end(body);
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
