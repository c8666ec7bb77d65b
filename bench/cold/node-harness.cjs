// What a node:http cold path costs without any handler: a server whose listener reads the body and
// answers JSON, and one request over loopback, as recall-node.cjs and octokit-node.mjs do.
const { createServer } = require('node:http');
const { sendRecallOnce } = require('./send-recall.cjs');

const server = createServer((incoming, outgoing) => {
  const chunks = [];
  incoming.on('data', (chunk) => chunks.push(chunk));
  incoming.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    outgoing.setHeader('Content-Type', 'application/json; charset=utf-8');
    outgoing.end(JSON.stringify({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 }));
  });
}).listen(0, '127.0.0.1', () => sendRecallOnce(server));
