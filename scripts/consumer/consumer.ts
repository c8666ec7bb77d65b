// Type-checked as CommonJS (consumer.ts) and as an ES module (consumer.mts, the same text) under
// moduleResolution node16, and again under bundler. Nothing here runs.
import express from 'express';
import {
  createRecallHandler,
  recallWebhook,
  RecallWebhookError,
  type GroupRecallEvent,
  type RecallWebhookOptions,
} from 'tencent-chat-recall-webhook';
import { createCallbackQuery, createRecallEvent } from 'tencent-chat-recall-webhook/testing';

const options: RecallWebhookOptions<express.Request> = {
  sdkAppId: 1400000000,
  token: ['current-token', 'previous-token'],
  onRecall: async (event: GroupRecallEvent, req) => {
    const seqs: number[] = event.messages.map((message) => message.msgSeq);
    const ip: string | undefined = req.ip;
    return { seqs, ip, topic: event.topicId };
  },
  onError: (error, context) => {
    if (error instanceof RecallWebhookError) console.log(error.status satisfies number, context.stage);
  },
};

const app = express();
app.use('/tencent-chat/callback', recallWebhook(options));

export const handler: (request: Request) => Promise<Response | null> = createRecallHandler({
  sdkAppId: '1400000000',
  respond: 'immediately',
  onRecall: (event, request: Request) => console.log(event.groupId, request.url),
});

export const query: Record<string, string> = createCallbackQuery(1400000000, { token: 'current-token' });
export const firstSeq: number = createRecallEvent({ GroupId: '@TGS#typed' }).MsgSeqList[0].MsgSeq;

// Fails to compile (and so fails the check) if the package's types resolved to `any`.
// @ts-expect-error sdkAppId is required
recallWebhook({ onRecall: () => undefined });

export default app;
