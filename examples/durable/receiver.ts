// A receiver: checks each callback and adds it to the queue, answering OK once the queue has it.
// Run as many as you like behind a load balancer (start-receiver.ts). In your app, import from
// 'tencent-chat-recall-webhook'.
import { Queue } from 'bullmq';
import express, { type Express } from 'express';
import { recallWebhook } from '../../lib/entries/index.js';

export const CALLBACK_PATH = '/tencent-chat/callback';
export const QUEUE_NAME = 'tencent-chat-recalls';

export interface ReceiverConfig {
  sdkAppId: string | number;
  token?: string | undefined;
  redisUrl: string;
  log?: ((line: string) => void) | undefined;
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
