// One cold start of the node:http listener (COLD_ENTRY): import, create the listener, answer one
// signed recall sent over loopback.
const { createServer, request } = require('node:http');
const { createRecallListener } = require(process.env.COLD_ENTRY);

const listener = createRecallListener({
  sdkAppId: process.env.COLD_SDK_APP_ID,
  token: process.env.COLD_TOKEN,
  onRecall() {},
});
const server = createServer(listener).listen(0, '127.0.0.1', () => {
  const body = process.env.COLD_BODY;
  const { port } = server.address();
  const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
  const sent = request(
    { port, host: '127.0.0.1', method: 'POST', path: process.env.COLD_PATH, headers, agent: false },
    (response) => {
      response.resume().on('end', () => {
        if (response.statusCode !== 200) throw new Error(`answered ${response.statusCode}`);
        server.close();
      });
    },
  );
  sent.end(body);
});
