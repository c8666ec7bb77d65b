/** One receiver per runtime (Express, node:http, Fetch), each answering real requests, for tests that compare them. */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createRecallHandler, createRecallListener, recallWebhook, type RecallWebhookOptions } from '../../lib/entries';

export interface Reply {
  status: number;
  text: string;
}

export interface RunningReceiver {
  /** Posts `body` to the receiver's callback path with `query` (a query string without `?`). */
  post(query: string, body: string): Promise<Reply>;
  close(): Promise<void>;
}

export interface Runtime {
  name: string;
  start(options: RecallWebhookOptions<never>): Promise<RunningReceiver>;
}

async function serve(server: Server): Promise<RunningReceiver> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    async post(query, body) {
      const response = await fetch(`http://127.0.0.1:${port}/callback?${query}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
      return { status: response.status, text: await response.text() };
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export const RUNTIMES: Runtime[] = [
  {
    name: 'Express',
    start(options) {
      const app = express();
      app.use('/callback', recallWebhook(options as RecallWebhookOptions<express.Request>));
      return serve(createServer(app));
    },
  },
  {
    name: 'node:http',
    start: (options) => serve(createServer(createRecallListener(options as RecallWebhookOptions<IncomingMessage>))),
  },
  {
    name: 'Fetch',
    // Node's own Request and Response, as a Fetch runtime hands them over.
    async start(options) {
      const handler = createRecallHandler(options as RecallWebhookOptions<Request>);
      return {
        async post(query, body) {
          const request = new Request(`https://example.com/callback?${query}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body,
          });
          const response = await handler(request);
          if (!response) throw new Error('the Fetch handler did not claim the request');
          return { status: response.status, text: await response.text() };
        },
        close: async () => {},
      };
    },
  },
];
