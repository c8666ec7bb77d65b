// A project that never installs Express or @types/express: the node:http listener and the Fetch
// handler must type-check with skipLibCheck off, imported from their own entry points and from the
// package root. Run as well (check.cjs runs the compiled output). entries.ts, which
// check-consumer.mjs writes from lib/entries/subpaths.json, imports every entry point.
import { createServer } from 'node:http';
import { createRecallHandler as createRootHandler, recallWebhook } from 'tencent-chat-recall-webhook';
import { createRecallHandler, type RecallHandlerContext } from 'tencent-chat-recall-webhook/fetch';
import {
  createRecallListener,
  RecallWebhookError,
  type GroupRecallEvent,
  type RecallListener,
} from 'tencent-chat-recall-webhook/node';

const recalled: GroupRecallEvent[] = [];

const listener: RecallListener = createRecallListener({
  sdkAppId: 1400000000,
  onRecall: (event, req) => {
    const host: string | undefined = req.headers.host;
    recalled.push(event);
    return host;
  },
  onError: (error) => {
    if (error instanceof RecallWebhookError) console.log(error.status satisfies number);
  },
});

export const server = createServer((req, res) =>
  listener(req, res, () => {
    res.statusCode = 404;
    res.end();
  }),
);

export const handler: (request: Request, context?: RecallHandlerContext) => Promise<Response | null> =
  createRecallHandler({ sdkAppId: '1400000000', onRecall: (event) => void recalled.push(event) });

// From the root, as the README's Next.js route does; and the Express middleware on a plain server.
export const rootHandler: (request: Request) => Promise<Response | null> = createRootHandler({
  sdkAppId: 1400000000,
  onC2CRecall: (event) => console.log(event.msgKey),
});
const middleware = recallWebhook({ sdkAppId: 1400000000, onRecall: (_event, req) => req.originalUrl });
export const middlewareServer = createServer((req, res) => middleware(req, res, () => res.end()));
