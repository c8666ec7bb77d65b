// A chaos-test receiver: the built package's middleware in queue mode, with no inline handler, so
// a recall the queue did not take is answered FAIL. Started by recalls.chaos.ts, which kills it.
import { Queue } from 'bullmq';
import express from 'express';
import { recallWebhook } from 'tencent-chat-recall-webhook';

const { REDIS_URL, QUEUE_NAME, SDK_APP_ID, CALLBACK_TOKEN, JOB_ATTEMPTS, JOB_BACKOFF_MS } = process.env;

// Fails fast while Redis is down, so the answer (FAIL) still beats Tencent's 2 s.
const queue = new Queue(QUEUE_NAME, {
  connection: { url: REDIS_URL, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  // Short backoff so that the drain after the run is quick; the package fills in the rest.
  defaultJobOptions: { attempts: Number(JOB_ATTEMPTS), backoff: { type: 'fixed', delay: Number(JOB_BACKOFF_MS) } },
});
queue.on('error', () => {}); // connection errors while Redis is killed: each add answers for itself

const app = express();
app.use(
  '/callback',
  recallWebhook({
    sdkAppId: SDK_APP_ID,
    token: CALLBACK_TOKEN,
    queue,
    onError: (error, { stage }) => console.error(`not queued (${stage}): ${error.message}`),
  }),
);

const server = app.listen(0, '127.0.0.1', () => process.send({ ready: true, port: server.address().port }));
process.once('disconnect', () => process.exit(0));
