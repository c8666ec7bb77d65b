// Starts one receiver: `npx tsx examples/durable/start-receiver.ts`.
import type { Server } from 'node:http';
import { CALLBACK_PATH, createReceiver } from './receiver.js';
import { shutDownOnSignal } from './shutdown.js';

const port = Number(process.env.PORT ?? 3000);
const { app, queue } = createReceiver({
  sdkAppId: process.env.SDK_APP_ID ?? 1400000000,
  token: process.env.CALLBACK_TOKEN || undefined,
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
});
const server: Server = app.listen(port, '127.0.0.1', () =>
  console.log(`receiver on http://127.0.0.1:${port}${CALLBACK_PATH}`),
);
// Stop taking callbacks and let those in flight finish, then close the queue's connection.
shutDownOnSignal([() => new Promise((resolve) => server.close(resolve)), () => queue.close()]);
