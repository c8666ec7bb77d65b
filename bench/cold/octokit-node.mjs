// @octokit/webhooks' Node middleware cold path: import, construct, answer one signed delivery
// sent over loopback; the counterpart of recall-node.cjs.
import { createServer, request } from 'node:http';

const { Webhooks, createNodeMiddleware } = await import('@octokit/webhooks');
const webhooks = new Webhooks({ secret: process.env.COLD_TOKEN });
webhooks.on('push', () => {});
const server = createServer(createNodeMiddleware(webhooks)).listen(0, '127.0.0.1', () => {
  const body = process.env.COLD_GITHUB_BODY;
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'X-GitHub-Event': 'push',
    'X-GitHub-Delivery': '1',
    'X-Hub-Signature-256': process.env.COLD_GITHUB_SIGNATURE,
  };
  const { port } = server.address();
  const options = { port, host: '127.0.0.1', method: 'POST', path: '/api/github/webhooks', headers, agent: false };
  const sent = request(options, (response) => {
    response.resume().on('end', () => {
      if (response.statusCode !== 200) throw new Error(`answered ${response.statusCode}`);
      server.close();
    });
  });
  sent.end(body);
});
