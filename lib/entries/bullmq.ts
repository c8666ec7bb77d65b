// `tencent-chat-recall-webhook/bullmq`: the worker and dead letters; the only entry that loads bullmq.
export * from '../durable/worker';
