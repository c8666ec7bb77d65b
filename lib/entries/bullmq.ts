// `tencent-chat-recall-webhook/bullmq`: the worker, dead letters and scheduled reconciliation; the only entry that loads bullmq.
export * from '../durable/worker';
export * from '../durable/reconcile-scheduler';
