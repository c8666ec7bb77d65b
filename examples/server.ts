// A complete Express app receiving Tencent Cloud Chat callbacks. In your own app, import from
// 'tencent-chat-recall-webhook' and 'tencent-chat-recall-webhook/testing'.
import express, { type Express } from 'express';
import { recallWebhook, type C2CRecallEvent, type GroupRecallEvent } from '../lib/entries';
import { createCallbackQuery, createRecallEvent, DEMO_SDK_APP_ID } from '../lib/testing/index';

export const CALLBACK_PATH = '/tencent-chat/callback';

export interface ExampleConfig {
  sdkAppId: string | number;
  token?: string;
  log?: (line: string) => void;
}

export function createExampleApp({ sdkAppId, token, log = console.log }: ExampleConfig): Express {
  const app = express();

  app.use(
    CALLBACK_PATH,
    recallWebhook({
      sdkAppId,
      token,
      onRecall: (event: GroupRecallEvent) => {
        const seqs = event.messages.map((message) => message.msgSeq).join(',');
        const topic = event.topicId ? ` topic=${event.topicId}` : '';
        log(
          `recall group=${event.groupId}${topic} by=${event.operatorAccount} seq=${seqs} at=${new Date(event.eventTime).toISOString()}`,
        );
      },
      onC2CRecall: (event: C2CRecallEvent) => {
        const at = event.eventTime === undefined ? '' : ` at=${new Date(event.eventTime).toISOString()}`;
        const unread = event.unreadMsgNum === undefined ? '' : ` unread=${event.unreadMsgNum}`;
        log(`recall c2c from=${event.fromAccount} to=${event.toAccount} msgKey=${event.msgKey}${unread}${at}`);
      },
      onError: (error, context) => log(`recall handler failed (${context.stage}): ${String(error)}`),
    }),
  );

  // The same URL carries every callback command the app has switched on; answer OK to the rest.
  app.post(CALLBACK_PATH, (req, res) => {
    log(`ignored callback ${String(req.query.CallbackCommand)}`);
    res.json({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
  });

  return app;
}

export function curlCommand(baseUrl: string, sdkAppId: string | number, token?: string): string {
  const query = new URLSearchParams(createCallbackQuery(sdkAppId, { token }));
  const body = JSON.stringify(createRecallEvent());
  return `curl -sS -X POST '${baseUrl}${CALLBACK_PATH}?${query}' -H 'Content-Type: application/json' -d '${body}'`;
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  const sdkAppId = process.env.SDK_APP_ID ?? DEMO_SDK_APP_ID;
  const token = process.env.CALLBACK_TOKEN || undefined;

  createExampleApp({ sdkAppId, token }).listen(port, host, (error?: Error) => {
    if (error) {
      console.error(`Cannot listen on ${host}:${port}: ${error.message}`);
      process.exit(1);
    }
    console.log(
      `Listening on http://${host}:${port}${CALLBACK_PATH} for SdkAppID ${sdkAppId}${token ? ' (token check on)' : ''}`,
    );
    console.log('Try it:');
    console.log(curlCommand(`http://${host}:${port}`, sdkAppId, token));
    if (token) console.log('(the Sign is valid for 60 seconds; restart for a fresh command)');
    console.log('or, with the simulator (add --c2c for a one-to-one recall):');
    console.log(
      `npm run simulate -- send http://${host}:${port}${CALLBACK_PATH} --sdk-app-id ${sdkAppId}${token ? ' --token "$CALLBACK_TOKEN"' : ''}`,
    );
  });
}
