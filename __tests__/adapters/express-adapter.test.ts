/** Express-only behaviour the shared table cannot express: composition, encodings, stream errors. */
import { PassThrough } from 'node:stream';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { recallWebhook, type GroupRecallEvent } from '../../lib/entries';
import { createCallbackQuery, createRecallEvent } from '../../lib/testing/index';
import { SDK_APP_ID, body, c2cBody, c2cQuery, queryString, query } from '../cases';

const PATH = '/tencent-chat/callback';
const recallUrl = `${PATH}?${queryString(query())}`;

async function withServer(app: express.Express, fn: (server: Server) => Promise<void>): Promise<void> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  try {
    await fn(server);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('recallWebhook in an Express app', () => {
  it('shares one URL with handlers of other callback commands, which can parse their own body after it', async () => {
    const recalls: GroupRecallEvent[] = [];
    const app = express();
    app.use(PATH, recallWebhook({ sdkAppId: SDK_APP_ID, onRecall: (event) => void recalls.push(event) }));
    // A parser mounted after the middleware still finds the passed-on body unread.
    app.post(PATH, express.json({ type: () => true }), (req, res) => {
      res.json({ handledBy: 'send-msg handler', command: req.body.CallbackCommand, group: req.body.GroupId });
    });
    await withServer(app, async (server) => {
      const sendMsg = await request(server)
        .post(PATH)
        .query(createCallbackQuery(SDK_APP_ID, { callbackCommand: 'Group.CallbackAfterSendMsg' }))
        .send({ CallbackCommand: 'Group.CallbackAfterSendMsg', GroupId: 'g-send' });
      expect(sendMsg.body).toEqual({
        handledBy: 'send-msg handler',
        command: 'Group.CallbackAfterSendMsg',
        group: 'g-send',
      });

      const recall = await request(server)
        .post(PATH)
        .query(createCallbackQuery(SDK_APP_ID))
        .send(createRecallEvent({ GroupId: 'g-recall' }));
      expect(recall.body).toEqual({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
      expect(recalls.map((e) => e.groupId)).toEqual(['g-recall']);
    });
  });

  it('hands onRecall the Express request', async () => {
    const onRecall = jest.fn();
    const app = express();
    app.use(PATH, recallWebhook({ sdkAppId: SDK_APP_ID, onRecall }));
    await withServer(app, async (server) => {
      await request(server).post(recallUrl).set('X-Trace', 'abc').send(createRecallEvent()).expect(200);
    });
    const req = onRecall.mock.calls[0][1] as Request;
    expect(req.get('x-trace')).toBe('abc');
    expect(typeof req.app).toBe('function');
  });

  it('serves many requests on one middleware instance', async () => {
    const onRecall = jest.fn();
    const app = express();
    app.use(PATH, recallWebhook({ sdkAppId: SDK_APP_ID, onRecall }));
    await withServer(app, async (server) => {
      const answers = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          request(server)
            .post(recallUrl)
            .send(createRecallEvent({ GroupId: `g${i}` })),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    });
    expect(onRecall.mock.calls.map((c) => c[0].groupId).sort()).toEqual(['g0', 'g1', 'g2', 'g3', 'g4']);
  });

  it.each([
    ['a group recall', recallUrl, body()],
    ['a one-to-one recall', `${PATH}?${queryString(c2cQuery())}`, c2cBody()],
  ])('415 for %s compressed, a body it reads itself', async (_kind, url, text) => {
    const onRecall = jest.fn();
    const onC2CRecall = jest.fn();
    const app = express();
    app.use(PATH, recallWebhook({ sdkAppId: SDK_APP_ID, onRecall, onC2CRecall }));
    await withServer(app, async (server) => {
      const res = await request(server)
        .post(url)
        .set('Content-Encoding', 'gzip')
        .set('Content-Type', 'application/json')
        .send(text);
      expect(res.status).toBe(415);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.body).toEqual({ ActionStatus: 'FAIL', ErrorInfo: 'unsupported Content-Encoding', ErrorCode: 1 });
    });
    expect(onRecall).not.toHaveBeenCalled();
    expect(onC2CRecall).not.toHaveBeenCalled();
  });

  it('reads a body whose Content-Encoding is identity', async () => {
    const app = express();
    app.use(PATH, recallWebhook({ sdkAppId: SDK_APP_ID, onRecall: () => {} }));
    await withServer(app, async (server) => {
      const res = await request(server)
        .post(recallUrl)
        .set('Content-Encoding', 'identity')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(createRecallEvent()));
      expect(res.status).toBe(200);
    });
  });

  it('closes the connection after a 413 and never reads the rest of the body', async () => {
    const onRecall = jest.fn();
    const app = express();
    app.use(PATH, recallWebhook({ sdkAppId: SDK_APP_ID, onRecall, limit: 1024 }));
    await withServer(app, async (server) => {
      const res = await request(server)
        .post(recallUrl)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(createRecallEvent({ Padding: 'x'.repeat(4096) })));
      expect(res.status).toBe(413);
      expect(res.headers.connection).toBe('close');
      expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.text)));
    });
    expect(onRecall).not.toHaveBeenCalled();
  });
});

/** A request stream Node's HTTP parser would never produce, to reach raw-body's error paths. */
function fakeRequest(chunks: string[], headers: Record<string, string>, streamError?: Error) {
  const stream = new PassThrough();
  Object.assign(stream, { method: 'POST', url: recallUrl, headers });
  setImmediate(() => {
    if (streamError) {
      // Once the middleware reads: a PassThrough throws an 'error' nobody listens to, where a
      // real request (IncomingMessage) emits it only to listeners.
      setTimeout(() => stream.destroy(streamError), 20);
      return;
    }
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
  return stream as unknown as Request;
}

function fakeResponse(headersSent = false) {
  const headers: Record<string, unknown> = {};
  let resolveEnd!: (body: string) => void;
  const ended = new Promise<string>((resolve) => (resolveEnd = resolve));
  const res = {
    headersSent,
    statusCode: 0,
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = value),
    writeHead(status: number, fields: Record<string, unknown>) {
      res.statusCode = status;
      for (const [name, value] of Object.entries(fields)) res.setHeader(name, value);
    },
    end: jest.fn((body: string) => resolveEnd(body)),
  };
  return { res: res as unknown as Response, raw: res, headers, ended };
}

describe('recallWebhook reading a stream that misbehaves', () => {
  it('400 when the stream ends before its Content-Length', async () => {
    const onRecall = jest.fn();
    const { res, raw, ended } = fakeResponse();
    const next = jest.fn() as NextFunction;
    recallWebhook({ sdkAppId: SDK_APP_ID, onRecall })(fakeRequest(['{"a":'], { 'content-length': '500' }), res, next);
    expect(JSON.parse(await ended)).toEqual({
      ActionStatus: 'FAIL',
      ErrorInfo: 'body length does not match Content-Length',
      ErrorCode: 1,
    });
    expect(raw.statusCode).toBe(400);
    expect(next).not.toHaveBeenCalled();
    expect(onRecall).not.toHaveBeenCalled();
  });

  it('400 when the stream fails', async () => {
    const { res, raw, ended } = fakeResponse();
    recallWebhook({ sdkAppId: SDK_APP_ID, onRecall: jest.fn() })(
      fakeRequest([], {}, new Error('socket hang up')),
      res,
      jest.fn(),
    );
    expect(JSON.parse(await ended).ErrorInfo).toBe('could not read the body');
    expect(raw.statusCode).toBe(400);
  });

  it('400 when the request is gone before its body is read', async () => {
    const stream = new PassThrough();
    Object.assign(stream, { method: 'POST', url: recallUrl, headers: {} });
    const { res, raw, ended } = fakeResponse();
    recallWebhook({ sdkAppId: SDK_APP_ID, onRecall: jest.fn() })(stream as unknown as Request, res, jest.fn());
    stream.destroy();
    expect(JSON.parse(await ended).ErrorInfo).toBe('could not read the body');
    expect(raw.statusCode).toBe(400);
  });

  it('does not write an answer when the response has already started', async () => {
    const onRecall = jest.fn();
    const { res, raw } = fakeResponse(true);
    recallWebhook({ sdkAppId: SDK_APP_ID, onRecall })(
      fakeRequest([JSON.stringify(createRecallEvent())], {}),
      res,
      jest.fn(),
    );
    await new Promise((r) => setTimeout(r, 30));
    expect(onRecall).toHaveBeenCalledTimes(1);
    expect(raw.end).not.toHaveBeenCalled();
    expect(raw.statusCode).toBe(0);
  });
});
