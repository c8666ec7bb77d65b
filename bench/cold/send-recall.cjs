// The client of the node:http cold paths: sends the signed recall (COLD_PATH, COLD_BODY) once to a
// listening server over loopback, checks the answer is 200 and closes the server.
const { request } = require('node:http');

exports.sendRecallOnce = function sendRecallOnce(server) {
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
};
