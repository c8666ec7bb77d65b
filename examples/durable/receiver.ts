// A receiver: checks each callback and adds it to the queue, answering OK once the queue has it.
// Run as many as you like behind a load balancer. In your app, import from
// 'tencent-chat-recall-webhook'.
import type { Server } from 'node:http';
import { Queue } from 'bullmq';
import express, { type Express } from 'express';
import { recallWebhook } from '../../lib/entries';

export const CALLBACK_PATH = '/tencent-chat/callback';
export const QUEUE_NAME = 'tencent-chat-recalls';

export interface ReceiverConfig {
  sdkAppId: string | number;
  token?: string;
  redisUrl: string;
  log?: (line: string) => void;
}

export function createReceiver({ sdkAppId, token, redisUrl, log = console.log }: ReceiverConfig): {
  app: Express;
  queue: Queue;
} {
  // A producer must fail fast when Redis is down, so the answer still beats Tencent's 2 s.
  const queue = new Queue(QUEUE_NAME, {
    connection: { url: redisUrl, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  });
  queue.on('error', (error) => log(`queue connection: ${error.message}`));
  const app = express();
  app.use(
    CALLBACK_PATH,
    recallWebhook({
      sdkAppId,
      token,
      queue,
      onError: (error, { stage, event }) =>
        log(`recall not queued (${stage}): ${String(error)} ${JSON.stringify(event)}`),
    }),
  );
  // Other callback commands on the same URL.
  app.post(CALLBACK_PATH, (_req, res) => res.json({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 }));
  return { app, queue };
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 3000);
  const { app, queue } = createReceiver({
    sdkAppId: process.env.SDK_APP_ID ?? 1400000000,
    token: process.env.CALLBACK_TOKEN || undefined,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  });
  const server: Server = app.listen(port, '127.0.0.1', () =>
    console.log(`receiver on http://127.0.0.1:${port}${CALLBACK_PATH}`),
  );
  // Stop taking requests, let those in flight finish, then close the queue's connection.
  process.once('SIGTERM', () => server.close(() => void queue.close()));
}
