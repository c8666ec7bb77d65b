// Type-checked as CommonJS (consumer.ts) and as an ES module (consumer.mts, the same text) under
// moduleResolution node16, and again under bundler. Nothing here runs.
import express from 'express';
import express4 from 'express4';
import {
  C2C_RECALL_COMMAND,
  OFFICIAL_ACCOUNT_RECALL_COMMAND,
  createRecallHandler,
  recallWebhook,
  RecallWebhookError,
  type AnyC2CRecallEvent,
  type AnyGroupRecallEvent,
  type AnyRecallEvent,
  type C2CRecallEvent,
  type GroupRecallEvent,
  type OfficialAccountRecallEvent,
  type RecallCommand,
  type RecallEvent,
  type RecallWebhookOptions,
} from 'tencent-chat-recall-webhook';
import {
  createC2CRecallEvent,
  createCallbackQuery,
  createOfficialAccountRecallEvent,
  createRecallEvent,
  RECALL_BODY_BUILDERS,
  startFakeChatServer,
  type FakeChatServer,
} from 'tencent-chat-recall-webhook/testing';
import { ChatApiError, createChatApiClient, type ChatApiClient } from 'tencent-chat-recall-webhook/reconcile';
import { createPostgresBackend, Queue, type Job } from 'bullmq';
import {
  createRecallWorker,
  UnhandledRecallJobError,
  type RecallJobErrorStage,
  type RecallWorkerOptions,
} from 'tencent-chat-recall-webhook/bullmq';

const options: RecallWebhookOptions<express.Request> = {
  sdkAppId: 1400000000,
  token: ['current-token', 'previous-token'],
  onRecall: async (event: GroupRecallEvent, req) => {
    const seqs: number[] = event.messages.map((message) => message.msgSeq);
    const ip: string | undefined = req.ip;
    return { seqs, ip, topic: event.topicId };
  },
  onC2CRecall: (event: C2CRecallEvent) => {
    const key: string = event.msgKey;
    const unread: number | undefined = event.unreadMsgNum;
    const at: number | undefined = event.eventTime;
    return { key, unread, at, from: event.fromAccount, to: event.toAccount };
  },
  onOfficialAccountRecall: (event: OfficialAccountRecallEvent) => {
    const keys: string[] = event.messages.map((message) => message.msgKey);
    return { account: event.officialAccount, keys, at: event.eventTime };
  },
  onError: (error, context) => {
    if (error instanceof RecallWebhookError) console.log(error.status satisfies number, context.stage);
    // The receiver's events all come from the webhook.
    const webhookEvent: RecallEvent = context.event;
    console.log(webhookEvent.source satisfies 'webhook', describeRecall(webhookEvent));
  },
};

/** One function for both kinds and both sources, narrowed by the discriminant. */
export function describeRecall(event: AnyRecallEvent): string {
  if (event.callbackCommand === C2C_RECALL_COMMAND) return `${event.fromAccount} → ${event.toAccount}: ${event.msgKey}`;
  if (event.callbackCommand === OFFICIAL_ACCOUNT_RECALL_COMMAND)
    return `${event.officialAccount}: ${event.messages.length}`;
  const group: AnyGroupRecallEvent = event;
  return `${group.groupId}: ${group.messages.length}`;
}

const app = express();
app.use('/tencent-chat/callback', recallWebhook(options));
// Typed structurally: without a type argument, handlers see Node's request and Express 5 accepts it.
app.post(
  '/tencent-chat/plain',
  recallWebhook({ sdkAppId: 1400000000, onRecall: (_event, req) => console.log(req.headers.host, req.originalUrl) }),
);
export const expressHandler: express.RequestHandler = recallWebhook({ sdkAppId: 1400000000, onRecall: () => {} });

// Express 4 under its own types (@types/express 4 as @types/express4).
const app4 = express4();
app4.use('/tencent-chat/callback', recallWebhook<express4.Request>({ ...options4(), sdkAppId: 1400000000 }));
app4.post('/tencent-chat/plain', recallWebhook({ sdkAppId: 1400000000, onC2CRecall: () => {} }));
export const express4Handler: express4.RequestHandler = recallWebhook({ sdkAppId: 1400000000, onRecall: () => {} });
function options4(): Omit<RecallWebhookOptions<express4.Request>, 'sdkAppId'> {
  return { onRecall: (_event, req) => console.log(req.ip, req.get('host')) };
}

// Durable mode: a BullMQ Queue for the receiver, createRecallWorker for the workers.
const queue = new Queue('tencent-chat-recalls', { connection: { host: '127.0.0.1', enableOfflineQueue: false } });
app.use('/tencent-chat/durable', recallWebhook({ sdkAppId: 1400000000, queue, queueDeduplicationSeconds: 3600 }));

const workerOptions: RecallWorkerOptions = {
  connection: { host: '127.0.0.1', maxRetriesPerRequest: null },
  concurrency: 10,
  onC2CRecall: async (event: AnyC2CRecallEvent, job: Job<AnyRecallEvent>) => console.log(event.msgKey, job.id),
  onError: (error, { stage, job, event }) => {
    const dead: boolean = (stage satisfies RecallJobErrorStage) === 'dead-letter';
    console.log(
      error instanceof UnhandledRecallJobError ? error.jobName : error.message,
      dead,
      job.id,
      describeRecall(event),
    );
  },
};
export const worker = createRecallWorker(
  'tencent-chat-recalls',
  async (event, job) => {
    // The queue holds the webhook's recalls and reconciliation's: source narrows to either.
    const operator: string | undefined = event.operatorAccount;
    if (event.source === 'webhook') {
      const group: GroupRecallEvent = event;
      console.log(group.eventTime);
    } else {
      const sentTime: number = event.sentTime;
      console.log(sentTime);
    }
    const attempts: number = job.attemptsMade;
    console.log(event.groupId, operator, attempts);
  },
  workerOptions,
);
export const closing: Promise<void> = worker.close();
export const postgresWorker = createRecallWorker(
  'tencent-chat-recalls',
  (event) => console.log(event.messages.length),
  { connection: { connectionString: 'postgres://localhost/app', migrate: true } },
  createPostgresBackend,
);

export const handler: (request: Request) => Promise<Response | null> = createRecallHandler({
  sdkAppId: '1400000000',
  respond: 'immediately',
  onRecall: (event, request: Request) => console.log(event.groupId, request.url),
});

export const query: Record<string, string> = createCallbackQuery(1400000000, { token: 'current-token' });
export const firstSeq: number = createRecallEvent({ GroupId: '@TGS#typed' }).MsgSeqList[0].MsgSeq;
export const msgKey: string = createC2CRecallEvent({ From_Account: 'jared', UnreadMsgNum: undefined }).MsgKey;
export const officialAccountKey: string | undefined = createOfficialAccountRecallEvent({ EventTime: undefined })
  .WithdrawMsgList[0]?.MsgKey;
export const anyBody = (command: RecallCommand): { CallbackCommand: RecallCommand } => RECALL_BODY_BUILDERS[command]();
export const c2cQuery: Record<string, string> = createCallbackQuery(1400000000, {
  callbackCommand: C2C_RECALL_COMMAND,
});

export async function readHistory(): Promise<number[]> {
  const fake: FakeChatServer = await startFakeChatServer({
    sdkAppId: 1400000000,
    secretKey: 'key',
    callbackUrl: undefined,
  });
  const client: ChatApiClient = createChatApiClient({ sdkAppId: 1400000000, secretKey: 'key', baseUrl: fake.baseUrl });
  const answer = await client.call<{ RspMsgList: Array<{ MsgSeq: number }> }>(
    'group_open_http_svc/group_msg_get_simple',
    {
      GroupId: fake.createGroup(),
      ReqMsgNumber: 20,
    },
  );
  return answer.RspMsgList.map((message) => message.MsgSeq);
}
export const failedCode = (error: unknown): number | undefined =>
  error instanceof ChatApiError ? error.code : undefined;

// Fails to compile (and so fails the check) if the package's types resolved to `any`.
// @ts-expect-error sdkAppId is required
recallWebhook({ onRecall: () => undefined });
// @ts-expect-error onRecall receives only group recalls
recallWebhook({ sdkAppId: 1, onRecall: (event: C2CRecallEvent) => event.msgKey });
// @ts-expect-error onOfficialAccountRecall receives only Official Account recalls
recallWebhook({ sdkAppId: 1, onOfficialAccountRecall: (event: GroupRecallEvent) => event.groupId });
// @ts-expect-error without Express's request type as the type argument, handlers see Node's request
recallWebhook({ sdkAppId: 1, onRecall: (_event, req) => req.get('host') });

// @ts-expect-error secretKey is required
createChatApiClient({ sdkAppId: 1400000000 });

// @ts-expect-error the processor gets group recalls; one-to-one recalls go to onC2CRecall
createRecallWorker('tencent-chat-recalls', (event: C2CRecallEvent) => event.msgKey, { connection: {} });
createRecallWorker('tencent-chat-recalls', null, {
  connection: {},
  onOfficialAccountRecall: (event, job: Job<AnyRecallEvent>) => console.log(event.officialAccount, job.id),
});

export default app;
