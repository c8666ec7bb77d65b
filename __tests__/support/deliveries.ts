import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { recallWebhook, type RecallWebhookOptions } from '../../lib/entries';
import { createCallbackQuery, DEMO_SDK_APP_ID } from '../../lib/testing/index';
import type { C2CRecallCallbackBody, GroupRecallCallbackBody } from '../../lib/protocol/types';

/** Tencent waits this long for an answer; the test client gives up at the same point. */
export const TENCENT_DEADLINE_MS = 2000;

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

/** An Express app with the middleware at /callback, listening on a free loopback port. */
export async function startApp(options: Omit<RecallWebhookOptions<express.Request>, 'sdkAppId'>): Promise<RunningApp> {
  const app = express();
  app.use('/callback', recallWebhook({ sdkAppId: DEMO_SDK_APP_ID, ...options }));
  return listenOnLoopback(app.listen(0, '127.0.0.1'));
}

/** A server that was told to listen on a loopback port, once it does, as a `RunningApp` at /callback. */
export async function listenOnLoopback(server: Server): Promise<RunningApp> {
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/callback`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export interface Delivery {
  status: number;
  actionStatus: string;
}

/**
 * Posts one callback as Tencent would, with the body's command in the query, failing if no answer
 * arrives within Tencent's deadline.
 */
export async function deliver(url: string, body: GroupRecallCallbackBody | C2CRecallCallbackBody): Promise<Delivery> {
  const query = new URLSearchParams(createCallbackQuery(DEMO_SDK_APP_ID, { callbackCommand: body.CallbackCommand }));
  const response = await fetch(`${url}?${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(TENCENT_DEADLINE_MS),
  });
  const answer = (await response.json()) as { ActionStatus: string };
  return { status: response.status, actionStatus: answer.ActionStatus };
}

/** Resolves once `condition()` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A promise plus the function that resolves it. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
