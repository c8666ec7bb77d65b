import net from 'node:net';
import express, { type Request as ExpressRequest } from 'express';
import {
  createRecallHandler,
  recallWebhook,
  type ErrorContext,
  type ErrorStage,
  type RecallHandler,
  type RecallWebhookOptions,
} from '../../lib/entries';
import { createC2CRecallEvent, createCallbackQuery, createRecallEvent } from '../../lib/testing/index';
import { C2C_RECALL_COMMAND } from '../../lib/entries';
import { listen, send, type RunningServer } from './http';
import { SDK_APP_ID } from './support';

const TIMEOUT_MS = 50;
const BODY_TIMEOUT_MS = 100;
const path = `/callback?${new URLSearchParams(createCallbackQuery(SDK_APP_ID))}`;
const c2cPath = `/callback?${new URLSearchParams(createCallbackQuery(SDK_APP_ID, { callbackCommand: C2C_RECALL_COMMAND }))}`;
const OK = { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 };
const FAILED = { ActionStatus: 'FAIL', ErrorInfo: 'the recall handler failed', ErrorCode: 1 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 5 ms for at most `ms`. */
async function eventually(condition: () => boolean | Promise<boolean>, ms = 2000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await condition()) return true;
    await sleep(5);
  }
  return condition();
}

interface Report {
  error: unknown;
  stage: ErrorStage;
}

interface Adapter {
  name: string;
  /** Sends one valid recall through a middleware built from `options`; resolves with the answer. */
  sendValid(options: Partial<RecallWebhookOptions<never>>): Promise<{ status: number; body: unknown }>;
}

const servers: RunningServer[] = [];
afterAll(() => Promise.all(servers.map((running) => running.close())));

const expressAdapter: Adapter = {
  name: 'Express over HTTP',
  async sendValid(options) {
    const app = express();
    app.use('/callback', recallWebhook({ sdkAppId: SDK_APP_ID, ...options } as RecallWebhookOptions<ExpressRequest>));
    const running = await listen(app);
    servers.push(running);
    const answer = await send(running.port, path, { body: JSON.stringify(createRecallEvent()) });
    return { status: answer.status, body: JSON.parse(answer.text) };
  },
};

const fetchAdapter: Adapter = {
  name: 'Fetch handler',
  async sendValid(options) {
    const handler = createRecallHandler({ sdkAppId: SDK_APP_ID, ...options } as RecallWebhookOptions<Request>);
    const response = await handler(
      new Request(`http://127.0.0.1${path}`, { method: 'POST', body: JSON.stringify(createRecallEvent()) }),
    );
    return { status: response!.status, body: await response!.json() };
  },
};

const getterBomb = Object.defineProperty({}, 'message', {
  enumerable: true,
  get() {
    throw new Error('getter bomb');
  },
});
const stalled = new Promise<never>(() => {});

interface CallbackFault {
  name: string;
  onRecall: () => RecallHandler<never>;
  status: number;
  answer: unknown;
  /** What onError hears, eventually. */
  reports: (thrown: unknown) => Report[];
  thrown: unknown;
}

const lateFailure = new Error('failed after the deadline');
const faults: CallbackFault[] = [
  {
    name: 'throws an Error synchronously',
    thrown: new Error('sync'),
    onRecall: () => () => {
      throw faults[0].thrown;
    },
    status: 500,
    answer: FAILED,
    reports: (thrown) => [{ error: thrown, stage: 'callback' }],
  },
  {
    name: 'rejects',
    thrown: new Error('async'),
    onRecall: () => () => Promise.reject(faults[1].thrown),
    status: 500,
    answer: FAILED,
    reports: (thrown) => [{ error: thrown, stage: 'callback' }],
  },
  ...(['a string', undefined, getterBomb] as unknown[]).map((thrown): CallbackFault => ({
    name: `throws a non-Error (${thrown === getterBomb ? 'an object with a throwing getter' : String(thrown)})`,
    thrown,
    onRecall: () => () => {
      throw thrown;
    },
    status: 500,
    answer: FAILED,
    reports: () => [{ error: thrown, stage: 'callback' }],
  })),
  {
    name: 'returns a thenable whose then getter throws',
    thrown: getterBomb,
    onRecall: () => () =>
      Object.defineProperty({}, 'then', {
        get() {
          throw getterBomb;
        },
      }),
    status: 500,
    answer: FAILED,
    reports: () => [{ error: getterBomb, stage: 'callback' }],
  },
  {
    name: 'never settles',
    thrown: undefined,
    onRecall: () => () => stalled,
    status: 200,
    answer: OK,
    reports: () => [],
  },
  {
    name: 'settles after the deadline, then rejects',
    thrown: lateFailure,
    onRecall: () => () => sleep(TIMEOUT_MS * 3).then(() => Promise.reject(lateFailure)),
    status: 200,
    answer: OK,
    reports: () => [{ error: lateFailure, stage: 'after-answer' }],
  },
];

describe.each([expressAdapter, fetchAdapter])('$name: onRecall faults', (adapter) => {
  test.each(faults)('onRecall $name', async (fault) => {
    const reports: Report[] = [];
    const answer = await adapter.sendValid({
      timeoutMs: TIMEOUT_MS,
      onRecall: fault.onRecall(),
      onError: (error: unknown, context: ErrorContext<never>) => reports.push({ error, stage: context.stage }),
    });
    expect(answer).toEqual({ status: fault.status, body: fault.answer });
    const expected = fault.reports(fault.thrown);
    await eventually(() => reports.length >= expected.length, TIMEOUT_MS * 10);
    await sleep(TIMEOUT_MS * 4); // nothing more may arrive
    expect(reports).toHaveLength(expected.length);
    expected.forEach((report, index) => {
      expect(reports[index].error).toBe(report.error);
      expect(reports[index].stage).toBe(report.stage);
    });
  });

  test.each(['after-callback', 'immediately'] as const)(
    'onError that throws is contained (respond: %s)',
    async (respond) => {
      let heard = 0;
      const options = {
        respond,
        onRecall: () => {
          throw new Error('handler');
        },
        onError: () => {
          heard++;
          throw new Error('onError itself failed');
        },
      };
      const first = await adapter.sendValid(options);
      expect(first).toEqual(respond === 'immediately' ? { status: 200, body: OK } : { status: 500, body: FAILED });
      expect(await eventually(() => heard === 1)).toBe(true);
      expect(await adapter.sendValid({ onRecall: () => undefined })).toEqual({ status: 200, body: OK });
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Clients that misbehave at the socket level (Express over HTTP)

interface RawExchange {
  /** Everything the server sent before it closed the connection. */
  received: string;
  closedByServer: boolean;
}

/** Opens a raw connection, writes `head`, then calls `feed` with a writer; resolves when the server closes. */
function rawExchange(port: number, head: string, feed: (socket: net.Socket) => void, ms = 3000): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ received, closedByServer: false });
    }, ms);
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined); // a reset after the server closed: the close event follows
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received, closedByServer: true });
    });
    socket.on('end', () => socket.end());
    socket.write(head);
    feed(socket);
  });
}

function parseRaw(received: string): { status: number; headers: string; body: unknown } {
  const [head, body] = received.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body: JSON.parse(body) };
}

describe('Express over HTTP: clients that misbehave', () => {
  let running: RunningServer;
  const recalls: unknown[] = [];
  const reports: unknown[] = [];

  beforeAll(async () => {
    const app = express();
    app.use(
      '/callback',
      recallWebhook({
        sdkAppId: SDK_APP_ID,
        limit: 1024,
        bodyTimeoutMs: BODY_TIMEOUT_MS,
        onRecall: (event) => void recalls.push(event),
        onC2CRecall: (event) => void recalls.push(event),
        onError: (error) => void reports.push(error),
      }),
    );
    running = await listen(app);
    servers.push(running);
  });

  beforeEach(() => {
    recalls.length = 0;
    reports.length = 0;
  });

  const head = (headers: string, target = path) => `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`;
  const connections = () =>
    new Promise<number>((resolve) => running.server.getConnections((_, count) => resolve(count)));

  async function expectServerStillAnswers(): Promise<void> {
    const answer = await send(running.port, path, { body: JSON.stringify(createRecallEvent()) });
    expect([answer.status, JSON.parse(answer.text)]).toEqual([200, OK]);
  }

  test('a client that aborts mid-body: no onRecall, no onError, the socket is released', async () => {
    const body = JSON.stringify(createRecallEvent());
    await new Promise<void>((resolve) => {
      const socket = net.connect(running.port, '127.0.0.1', () => {
        socket.write(head(`Content-Length: ${body.length}\r\n`) + body.slice(0, 40));
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 20);
      });
    });
    expect(await eventually(async () => (await connections()) === 0)).toBe(true);
    await sleep(BODY_TIMEOUT_MS * 2); // past the body timeout, nothing fires late
    expect(recalls).toEqual([]);
    expect(reports).toEqual([]);
    await expectServerStillAnswers();
  });

  test.each([
    ['group recall', path, JSON.stringify(createRecallEvent())],
    ['one-to-one recall', c2cPath, JSON.stringify(createC2CRecallEvent())],
  ])(
    'a %s body that never finishes arriving: 408 FAIL after bodyTimeoutMs and the server closes the connection',
    async (_kind, target, body) => {
      const exchange = await rawExchange(running.port, head(`Content-Length: ${body.length}\r\n`, target), (socket) =>
        socket.write(body.slice(0, 40)),
      );
      expect(exchange.closedByServer).toBe(true);
      const answer = parseRaw(exchange.received);
      expect(answer.status).toBe(408);
      expect(answer.headers).toContain('connection: close');
      expect(answer.body).toEqual({ ActionStatus: 'FAIL', ErrorInfo: 'request body timed out', ErrorCode: 1 });
      expect(await eventually(async () => (await connections()) === 0)).toBe(true);
      expect(recalls).toEqual([]);
      expect(reports).toEqual([]);
      await expectServerStillAnswers();
    },
  );

  test('a chunked body trickled one byte at a time: 408 FAIL, connection closed', async () => {
    let timer: NodeJS.Timeout | undefined;
    const exchange = await rawExchange(running.port, head('Transfer-Encoding: chunked\r\n'), (socket) => {
      timer = setInterval(() => socket.writable && socket.write('1\r\n{\r\n'), 30);
    });
    clearInterval(timer);
    expect(exchange.closedByServer).toBe(true);
    expect(parseRaw(exchange.received).status).toBe(408);
    expect(recalls).toEqual([]);
  });

  test('a body over the limit streamed in chunks: 413 FAIL and the connection is closed, not left hanging', async () => {
    let timer: NodeJS.Timeout | undefined;
    let sent = 0;
    const exchange = await rawExchange(running.port, head('Transfer-Encoding: chunked\r\n'), (socket) => {
      timer = setInterval(() => {
        // Bounded: at most 64 chunks of 256 bytes, far past the 1 KiB limit.
        if (!socket.writable || sent >= 64) return;
        sent++;
        socket.write(`100\r\n${'x'.repeat(256)}\r\n`);
      }, 2);
    });
    clearInterval(timer);
    expect(exchange.closedByServer).toBe(true);
    const answer = parseRaw(exchange.received);
    expect(answer.status).toBe(413);
    expect(answer.headers).toContain('connection: close');
    expect(answer.body).toEqual({
      ActionStatus: 'FAIL',
      ErrorInfo: 'request body is larger than the limit',
      ErrorCode: 1,
    });
    expect(sent).toBeLessThan(64);
    expect(await eventually(async () => (await connections()) === 0)).toBe(true);
    expect(recalls).toEqual([]);
    await expectServerStillAnswers();
  });
});

// ---------------------------------------------------------------------------------------------
// The same misbehaviour as Fetch body streams

describe('Fetch handler: bodies that misbehave', () => {
  const recalls: unknown[] = [];
  const handler = createRecallHandler({
    sdkAppId: SDK_APP_ID,
    limit: 1024,
    bodyTimeoutMs: BODY_TIMEOUT_MS,
    onRecall: (event) => void recalls.push(event),
    onC2CRecall: (event) => void recalls.push(event),
  });
  beforeEach(() => (recalls.length = 0));

  function requestWith(body: ReadableStream<Uint8Array>, target = path): Request {
    return new Request(`http://127.0.0.1${target}`, { method: 'POST', body, duplex: 'half' } as RequestInit);
  }

  test('a stream that errors mid-body: 400 FAIL', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"CallbackCommand":'));
        setTimeout(() => controller.error(new Error('connection reset')), 10);
      },
    });
    const response = await handler(requestWith(body));
    expect([response!.status, await response!.json()]).toEqual([
      400,
      { ActionStatus: 'FAIL', ErrorInfo: 'could not read the body', ErrorCode: 1 },
    ]);
    expect(recalls).toEqual([]);
  });

  test.each([
    ['group recall', path],
    ['one-to-one recall', c2cPath],
  ])('a %s stream that stalls: 408 FAIL after bodyTimeoutMs and the stream is cancelled', async (_kind, target) => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"CallbackCommand":'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const response = await handler(requestWith(body, target));
    expect([response!.status, await response!.json()]).toEqual([
      408,
      { ActionStatus: 'FAIL', ErrorInfo: 'request body timed out', ErrorCode: 1 },
    ]);
    expect(await eventually(() => cancelled)).toBe(true);
    expect(recalls).toEqual([]);
  });

  test('a stream over the limit: 413 FAIL, the stream is cancelled before it is drained', async () => {
    let pulled = 0;
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 64) controller.close();
        else controller.enqueue(new Uint8Array(256).fill(0x20));
      },
      cancel() {
        cancelled = true;
      },
    });
    const response = await handler(requestWith(body));
    expect([response!.status, await response!.json()]).toEqual([
      413,
      { ActionStatus: 'FAIL', ErrorInfo: 'request body is larger than the limit', ErrorCode: 1 },
    ]);
    expect(await eventually(() => cancelled)).toBe(true);
    expect(pulled).toBeLessThan(64);
  });
});
