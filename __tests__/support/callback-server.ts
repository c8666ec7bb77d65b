/** A real Express server on a loopback port, receiving callbacks the way a user's app would. */
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import {
  recallWebhook,
  type C2CRecallEvent,
  type GroupRecallEvent,
  type OfficialAccountRecallEvent,
} from '../../lib/entries';
import { DEMO_SDK_APP_ID } from '../../lib/testing/index';

export const CALLBACK_PATH = '/tencent-chat/callback';
const OK = { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 };

export interface ReceivedRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface CallbackServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The recall callback URL, answered by the middleware. */
  callbackUrl: string;
  /** Every request that reached the server, whatever its path. */
  received: ReceivedRequest[];
  /** Every event the middleware handed to `onRecall`. */
  events: GroupRecallEvent[];
  /** Every event the middleware handed to `onC2CRecall`. */
  c2cEvents: C2CRecallEvent[];
  /** Every event the middleware handed to `onOfficialAccountRecall`. */
  officialAccountEvents: OfficialAccountRecallEvent[];
  close(): Promise<void>;
}

/**
 * Besides the middleware at `CALLBACK_PATH`, `/answers/<kind>` give the odd answers a simulator
 * must report: `ok-500`, `fail-bare`, `no-action-status`, `json-null`, `text`, `slow`, `hang-up`.
 */
export async function startCallbackServer(options: { token?: string } = {}): Promise<CallbackServer> {
  const received: ReceivedRequest[] = [];
  const events: GroupRecallEvent[] = [];
  const c2cEvents: C2CRecallEvent[] = [];
  const officialAccountEvents: OfficialAccountRecallEvent[] = [];
  const app = express();

  app.use(express.raw({ type: () => true }), (req, _res, next) => {
    const url = new URL(req.originalUrl, 'http://placeholder');
    received.push({ path: url.pathname, query: url.searchParams, headers: req.headers, body: req.body as Buffer });
    next();
  });
  app.use(
    CALLBACK_PATH,
    recallWebhook({
      sdkAppId: DEMO_SDK_APP_ID,
      token: options.token,
      onRecall: (event) => {
        events.push(event);
      },
      onC2CRecall: (event) => {
        c2cEvents.push(event);
      },
      onOfficialAccountRecall: (event) => {
        officialAccountEvents.push(event);
      },
    }),
  );
  app.post('/answers/ok-500', (_req, res) => res.status(500).json(OK));
  app.post('/answers/fail-bare', (_req, res) => res.json({ ActionStatus: 'FAIL' }));
  app.post('/answers/no-action-status', (_req, res) => res.json({ received: true }));
  app.post('/answers/json-null', (_req, res) => res.type('json').send('null'));
  app.post('/answers/text', (_req, res) => res.end('thanks'));
  app.post('/answers/slow', (_req, res) => setTimeout(() => res.json(OK), 500).unref());
  app.post('/answers/hang-up', (req) => req.socket.destroy());

  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    callbackUrl: origin + CALLBACK_PATH,
    received,
    events,
    c2cEvents,
    officialAccountEvents,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL nobody listens on: a port the system handed out, then released. */
export async function closedPortUrl(): Promise<string> {
  const server = await startCallbackServer();
  await server.close();
  return server.callbackUrl;
}
