// Type-checked where the tarball is installed with bullmq and ioredis 5 only: the durable mode's
// receiver, worker and a Redis Cluster connection, as the README and docs/durable.md write them.
import { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import { recallWebhook, type AnyGroupRecallEvent } from 'tencent-chat-recall-webhook';
import { createRecallWorker } from 'tencent-chat-recall-webhook/bullmq';

export function receiver(port: number): { queue: Queue; middleware: ReturnType<typeof recallWebhook> } {
  const queue = new Queue('tencent-chat-recalls', {
    connection: { host: '127.0.0.1', port, enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true },
  });
  queue.on('error', (error) => console.warn(`recall queue: ${error.message}`));
  return { queue, middleware: recallWebhook({ sdkAppId: 1400000000, queue }) };
}

export function worker(port: number) {
  return createRecallWorker('tencent-chat-recalls', (event: AnyGroupRecallEvent) => console.log(event.groupId), {
    connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null },
    autorun: false,
  });
}

export function cluster(port: number): Cluster {
  return new Cluster([{ host: '127.0.0.1', port }], { lazyConnect: true, redisOptions: { maxRetriesPerRequest: 1 } });
}
