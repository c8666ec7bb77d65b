// Runs what consumer.ts built, with ioredis 5: the receiver's middleware, a worker and a Cluster
// are made and closed without a Redis (nothing connects), and the installed ioredis is 5.
const assert = require('node:assert/strict');
const { cluster, receiver, worker } = require('./out/consumer.js');

async function main() {
  assert.match(require('ioredis/package.json').version, /^5\./);
  const { queue, middleware } = receiver(1);
  assert.equal(typeof middleware, 'function');
  await queue.close();
  await worker(1).close();
  cluster(1).disconnect();
  console.log(`ioredis ${require('ioredis/package.json').version}: receiver, worker and Cluster made and closed`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
