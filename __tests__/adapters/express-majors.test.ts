/**
 * The Express middleware under both supported majors (Express 5 as `express`, Express 4 through
 * the `express4` npm alias), mounted bare and behind each body parser, over real HTTP on
 * 127.0.0.1. Express 4's body-parser 1.x sets `req.body = {}` even when it skips a body, so the
 * middleware must judge by whether the stream was read, not by whether `req.body` is set.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express5 from 'express';
import express4 from 'express4';
import getRawBody from 'raw-body';
import { C2C_RECALL_COMMAND, RECALL_COMMAND, recallWebhook, type RecallEvent } from '../../lib/entries';
import { createC2CRecallEvent, createCallbackQuery, createRecallEvent } from '../../lib/testing/index';

const SDK_APP_ID = 1400000001;
const TOKEN = 'majors-token';
const PATH = '/tencent-chat/callback';

type BodyRequest = IncomingMessage & { body?: unknown };
type Middleware = (req: BodyRequest, res: ServerResponse, next: () => void) => void;

/** What these tests need of an Express module; both majors' default exports fit it. */
interface ExpressModule {
  (): RequestListener & {
    use(path: string, handler: Middleware): unknown;
    use(handler: unknown): unknown;
    all(path: string, handler: (req: BodyRequest, res: ServerResponse) => void): unknown;
  };
  json(): unknown;
  raw(options: { type: string }): unknown;
  text(options: { type: string }): unknown;
}

const MAJORS: Array<[string, ExpressModule]> = [
  ['Express 5', express5],
  ['Express 4', express4],
];

type Mount = 'bare' | 'express.json()' | "express.raw({ type: '*/*' })" | "express.text({ type: '*/*' })";
const MOUNTS: Mount[] = ['bare', 'express.json()', "express.raw({ type: '*/*' })", "express.text({ type: '*/*' })"];

function bodyParser(express: ExpressModule, mount: Mount): unknown {
  switch (mount) {
    case 'bare':
      return undefined;
    case 'express.json()':
      return express.json();
    case "express.raw({ type: '*/*' })":
      return express.raw({ type: '*/*' });
    case "express.text({ type: '*/*' })":
      return express.text({ type: '*/*' });
  }
}

/** Another callback handler at the same URL; it reports the body in whatever form it reached it. */
async function nextHandler(req: BodyRequest, res: ServerResponse): Promise<void> {
  let received: string;
  if (req.readable && !req.readableEnded) received = (await getRawBody(req)).toString('utf8');
  else if (Buffer.isBuffer(req.body) || typeof req.body === 'string') received = req.body.toString();
  else received = JSON.stringify(req.body);
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ passedOn: true, received }));
}

function buildApp(express: ExpressModule, mount: Mount, recalls: RecallEvent[]): RequestListener {
  const app = express();
  const parser = bodyParser(express, mount);
  if (parser !== undefined) app.use(parser);
  app.use(
    PATH,
    recallWebhook({
      sdkAppId: SDK_APP_ID,
      token: TOKEN,
      onRecall: (event) => void recalls.push(event),
      onC2CRecall: (event) => void recalls.push(event),
    }) as Middleware,
  );
  app.all(PATH, (req, res) => void nextHandler(req, res));
  return app;
}

async function listen(listener: RequestListener): Promise<Server> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe.each(MAJORS)('%s', (_major, express) => {
  describe.each(MOUNTS)('mounted %s', (mount) => {
    const recalls: RecallEvent[] = [];
    let server: Server;
    let baseUrl: string;

    beforeAll(async () => {
      server = await listen(buildApp(express, mount, recalls));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PATH}`;
    });
    afterAll(() => close(server));
    beforeEach(() => {
      recalls.length = 0;
    });

    function post(
      body: string,
      { contentType = 'application/json', ...queryOptions }: { contentType?: string; callbackCommand?: string } = {},
    ): Promise<Response> {
      const query = new URLSearchParams(createCallbackQuery(SDK_APP_ID, { token: TOKEN, ...queryOptions }));
      return fetch(`${baseUrl}?${query}`, { method: 'POST', headers: { 'Content-Type': contentType }, body });
    }

    it('answers OK to a signed recall and hands onRecall the event', async () => {
      const wire = createRecallEvent({ GroupId: '@TGS#2majors' });
      const response = await post(JSON.stringify(wire));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.json()).toEqual({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
      expect(recalls).toHaveLength(1);
      expect(recalls[0]).toMatchObject({
        sdkAppId: String(SDK_APP_ID),
        groupId: '@TGS#2majors',
        messages: [{ msgSeq: wire.MsgSeqList[0].MsgSeq, msgId: wire.MsgSeqList[0].MsgId }],
        raw: wire,
      });
    });

    it('answers OK to a signed one-to-one recall and hands onC2CRecall the event', async () => {
      const wire = createC2CRecallEvent({ From_Account: 'jared', To_Account: 'Jonh' });
      const response = await post(JSON.stringify(wire), { callbackCommand: C2C_RECALL_COMMAND });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
      expect(recalls).toEqual([
        {
          callbackCommand: C2C_RECALL_COMMAND,
          source: 'webhook',
          sdkAppId: String(SDK_APP_ID),
          fromAccount: 'jared',
          toAccount: 'Jonh',
          msgKey: wire.MsgKey,
          unreadMsgNum: wire.UnreadMsgNum,
          eventTime: wire.EventTime,
          clientIp: '127.0.0.1',
          optPlatform: 'Android',
          raw: wire,
        },
      ]);
    });

    // Behind express.json() the parser skips this body; Express 4 still sets req.body = {}.
    it.each([
      [RECALL_COMMAND, createRecallEvent()],
      [C2C_RECALL_COMMAND, createC2CRecallEvent()],
    ])('answers OK to a %s sent as text/plain', async (callbackCommand, wire) => {
      const response = await post(JSON.stringify(wire), { contentType: 'text/plain', callbackCommand });
      expect(response.status).toBe(200);
      expect(recalls.map((event) => event.raw)).toEqual([wire]);
    });

    it('answers 400 FAIL to a body that breaks the event schema', async () => {
      const response = await post(JSON.stringify(createRecallEvent({ MsgSeqList: [] })));
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        ActionStatus: 'FAIL',
        ErrorInfo: 'invalid body: MsgSeqList must contain at least 1 items',
        ErrorCode: 1,
      });
      expect(recalls).toHaveLength(0);
    });

    it('answers 400 FAIL naming the field to a one-to-one recall that breaks its schema', async () => {
      const response = await post(JSON.stringify(createC2CRecallEvent({ UnreadMsgNum: -1 })), {
        callbackCommand: C2C_RECALL_COMMAND,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        ActionStatus: 'FAIL',
        ErrorInfo: expect.stringContaining('UnreadMsgNum'),
        ErrorCode: 1,
      });
      expect(recalls).toHaveLength(0);
    });

    it('answers 400 FAIL to an empty body', async () => {
      const response = await post('');
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 1 });
      expect(recalls).toHaveLength(0);
    });

    it('answers 401 FAIL when the Sign is not made with the token', async () => {
      const query = new URLSearchParams(createCallbackQuery(SDK_APP_ID, { token: 'another-token' }));
      const response = await fetch(`${baseUrl}?${query}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(createRecallEvent()),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ ActionStatus: 'FAIL', ErrorInfo: 'Sign does not match', ErrorCode: 1 });
      expect(recalls).toHaveLength(0);
    });

    it('passes another callback command on with its body intact', async () => {
      const body = { CallbackCommand: 'Group.CallbackAfterSendMsg', GroupId: '@TGS#2other', MsgSeq: 7 };
      const response = await post(JSON.stringify(body), { callbackCommand: 'Group.CallbackAfterSendMsg' });
      expect(response.status).toBe(200);
      const answer = (await response.json()) as { passedOn: boolean; received: string };
      expect(answer.passedOn).toBe(true);
      expect(JSON.parse(answer.received)).toEqual(body);
      expect(recalls).toHaveLength(0);
    });

    it('passes a GET on', async () => {
      const query = new URLSearchParams(createCallbackQuery(SDK_APP_ID, { token: TOKEN }));
      const response = await fetch(`${baseUrl}?${query}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ passedOn: true });
      expect(recalls).toHaveLength(0);
    });
  });
});
