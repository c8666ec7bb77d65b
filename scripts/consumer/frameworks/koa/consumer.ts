import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { recallWebhook } from 'tencent-chat-recall-webhook/koa';

export async function start(recalled: (what: string) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const app = new Koa();
  app.use(
    recallWebhook({
      sdkAppId: 1400000000,
      token: undefined,
      onRecall: (event, ctx) => recalled(`${event.groupId}${ctx.get('x-none')}`),
      onC2CRecall: async (event) => recalled(event.msgKey),
    }),
  );
  app.use((ctx) => {
    ctx.body = { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 };
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// @ts-expect-error the handler's event is a recall, not a string
recallWebhook({ sdkAppId: 1, onRecall: (event: string, ctx) => ctx.set('x-event', event) });
