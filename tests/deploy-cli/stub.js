// A local HTTPS stand-in for the Auth0 Management API, for the real
// auth0-deploy-cli (tests/integration/deploy_cli.rs). It answers the
// client-credentials grant and records each PATCH of the tenant settings.
//
//   node stub.js CERT KEY RECORD   -> prints the port it listens on
'use strict';
const fs = require('fs');
const https = require('https');

const [cert, key, record] = process.argv.slice(2);
const server = https.createServer(
  { cert: fs.readFileSync(cert), key: fs.readFileSync(key) },
  (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url.split('?')[0];
      fs.appendFileSync(record, JSON.stringify({ method: req.method, url: req.url, body }) + '\n');
      const reply = (status, value) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.method === 'POST' && path === '/oauth/token') {
        return reply(200, { access_token: 'stub-token', token_type: 'Bearer', expires_in: 86400 });
      }
      if (req.headers.authorization !== 'Bearer stub-token') {
        return reply(401, { statusCode: 401, error: 'Unauthorized', message: 'Invalid token' });
      }
      if (req.method === 'PATCH' && path === '/api/v2/tenants/settings') {
        return reply(200, JSON.parse(body));
      }
      if (req.method === 'GET' && path === '/api/v2/clients') {
        return reply(200, []);
      }
      return reply(200, {});
    });
  }
);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
