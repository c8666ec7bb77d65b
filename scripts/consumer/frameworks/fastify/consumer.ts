import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { recallWebhook, type RecallWebhookPluginOptions } from 'tencent-chat-recall-webhook/fastify';

export async function start(recalled: (what: string) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const app = Fastify();
  await app.register(recallWebhook, {
    path: '/tencent-chat/callback',
    sdkAppId: 1400000000,
    token: undefined,
    onRecall: (event, request) => recalled(`${event.groupId}${request.headers['x-none'] ?? ''}`),
    onC2CRecall: async (event) => recalled(event.msgKey),
    onOtherCommand: async (_request, reply) =>
      reply.code(200).send({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 }),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}

// @ts-expect-error the plugin needs its path
export const withoutPath: RecallWebhookPluginOptions = { sdkAppId: 1400000000 };
