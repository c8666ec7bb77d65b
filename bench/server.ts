// One benchmark server per child process, so that its CPU time and its core are its own.
// Started by bench/processes.ts as dist-bench/bench/server.js <kind>; reports its port over IPC.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { Queue } from 'bullmq';
import express from 'express';
import {
  createRecallHandler,
  createRecallListener,
  DEFAULT_JOB_OPTIONS,
  recallWebhook,
  RECALL_COMMAND,
} from '../lib/entries';
import { CALLBACK_PATH, SDK_APP_ID, TOKEN } from './fixtures';
import { frameworkListener } from './frameworks';
import {
  FRAMEWORK_KINDS,
  QUEUE_KINDS,
  SERVER_KINDS,
  type FrameworkKind,
  type ServerKind,
  type ServerReply,
  type ServerRequest,
} from './protocol';

const OK_BODY = JSON.stringify({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
const FAIL_BODY = JSON.stringify({ ActionStatus: 'FAIL', ErrorInfo: 'bad request', ErrorCode: 1 });

/** The floor: read the body, JSON.parse it, answer a fixed JSON body. */
function nodeHttp(): RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let status = 200;
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        status = 400;
      }
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(status === 200 ? OK_BODY : FAIL_BODY);
    });
  };
}

/** The Express floor: the same work as `node-http` in an Express route, so what Express itself costs. */
function expressDrain(): RequestListener {
  const app = express();
  app.post(CALLBACK_PATH, nodeHttp());
  return app;
}

/** What a user writes without the package: express.json() and a route checking the command and the app. */
function expressHandwritten(): RequestListener {
  const app = express();
  app.post(CALLBACK_PATH, express.json(), (req, res) => {
    if (req.query.CallbackCommand !== RECALL_COMMAND || req.query.SdkAppid !== String(SDK_APP_ID)) {
      res.status(400).json({ ActionStatus: 'FAIL', ErrorInfo: 'not this callback', ErrorCode: 1 });
      return;
    }
    res.json({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
  });
  return app;
}

function middleware(token?: string): RequestListener {
  const app = express();
  app.use(CALLBACK_PATH, recallWebhook({ sdkAppId: SDK_APP_ID, token, onRecall: async () => {} }));
  return app;
}

/** The package on plain node:http: no Express, the listener is the whole server. */
function listener(token?: string): RequestListener {
  return createRecallListener({ sdkAppId: SDK_APP_ID, token, onRecall: async () => {} });
}

/** The Fetch handler behind the smallest node:http bridge: a Request in, the Response written out. */
function fetchHandler(): RequestListener {
  const handle = createRecallHandler({ sdkAppId: SDK_APP_ID, onRecall: async () => {} });
  return (req: IncomingMessage, res: ServerResponse) => {
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: req.method === 'GET' || req.method === 'HEAD' ? null : (Readable.toWeb(req) as ReadableStream),
      duplex: 'half',
    } as RequestInit);
    void handle(request).then(async (response) => {
      if (response === null) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  };
}

/** A producer as the durable-mode guide sets one up: it fails fast when Redis is down. */
function openQueue(kind: ServerKind, redisUrl: string): Queue {
  return new Queue(`bench-${kind}`, {
    connection: { url: redisUrl, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  });
}

const DEDUPLICATION_TTL_MS = 24 * 60 * 60 * 1000;

interface RecallBody {
  GroupId: string;
  MsgSeqList: Array<{ MsgSeq: number }>;
}

/** The route's checks of the body: the fields a recall job needs, with their types. */
function isRecallBody(body: unknown): body is RecallBody {
  const fields = body as Partial<Record<string, unknown>> | null;
  return (
    typeof fields === 'object' &&
    fields !== null &&
    typeof fields.GroupId === 'string' &&
    typeof fields.Operator_Account === 'string' &&
    typeof fields.Type === 'string' &&
    Array.isArray(fields.MsgSeqList) &&
    fields.MsgSeqList.length > 0 &&
    fields.MsgSeqList.every((item: { MsgSeq?: unknown }) => Number.isSafeInteger(item?.MsgSeq))
  );
}

/**
 * What a user writes instead of `recallWebhook({ queue })`: express.json(), the checks, one
 * queue.add with a deduplication id and the same job options as the package's, then OK once the
 * add is acknowledged.
 */
function queueHandwritten(queue: Queue): RequestListener {
  const app = express();
  app.post(CALLBACK_PATH, express.json(), async (req, res) => {
    if (req.query.CallbackCommand !== RECALL_COMMAND || req.query.SdkAppid !== String(SDK_APP_ID)) {
      res.status(400).json({ ActionStatus: 'FAIL', ErrorInfo: 'not this callback', ErrorCode: 1 });
      return;
    }
    if (req.body?.CallbackCommand !== RECALL_COMMAND || !isRecallBody(req.body)) {
      res.status(400).json({ ActionStatus: 'FAIL', ErrorInfo: 'bad body', ErrorCode: 1 });
      return;
    }
    const id = `recall-${req.body.GroupId}-${req.body.MsgSeqList.map((item) => item.MsgSeq).join('.')}`;
    try {
      await queue.add(RECALL_COMMAND, req.body, {
        ...DEFAULT_JOB_OPTIONS,
        deduplication: { id, ttl: DEDUPLICATION_TTL_MS },
      });
    } catch {
      res.status(503).json({ ActionStatus: 'FAIL', ErrorInfo: 'not stored', ErrorCode: 1 });
      return;
    }
    res.json({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
  });
  return app;
}

function queueMiddleware(queue: Queue): RequestListener {
  const app = express();
  app.use(CALLBACK_PATH, recallWebhook({ sdkAppId: SDK_APP_ID, queue }));
  return app;
}

function listenerFor(kind: ServerKind, redisUrl: string | undefined): RequestListener | Promise<RequestListener> {
  if ((FRAMEWORK_KINDS as readonly ServerKind[]).includes(kind)) return frameworkListener(kind as FrameworkKind);
  if (QUEUE_KINDS.includes(kind) && !redisUrl) throw new Error(`${kind} needs the Redis URL as its second argument`);
  switch (kind) {
    case 'node-http':
      return nodeHttp();
    case 'express-drain':
      return expressDrain();
    case 'express-handwritten':
      return expressHandwritten();
    case 'middleware':
      return middleware();
    case 'middleware+token':
      return middleware(TOKEN);
    case 'listener':
      return listener();
    case 'listener+token':
      return listener(TOKEN);
    case 'fetch-handler':
      return fetchHandler();
    case 'queue-handwritten':
      return queueHandwritten(openQueue(kind, redisUrl!));
    case 'queue-middleware':
      return queueMiddleware(openQueue(kind, redisUrl!));
    default:
      throw new Error(`no server for ${kind}`);
  }
}

function reply(message: ServerReply): void {
  process.send?.(message);
}

async function serve(kind: ServerKind, redisUrl: string | undefined): Promise<Server> {
  const server = createServer(await listenerFor(kind, redisUrl));
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    reply({ type: 'listening', port: address.port });
  });
  return server;
}

if (require.main === module) {
  const kind = process.argv[2] as ServerKind;
  if (!SERVER_KINDS.includes(kind)) throw new Error(`unknown server kind ${kind}; one of ${SERVER_KINDS.join(', ')}`);
  if (!process.send)
    throw new Error(
      'the benchmark server runs as a child of the benchmark (bench/processes.ts; it needs an IPC channel)',
    );
  const serving = serve(kind, process.argv[3]);
  process.on('message', (message: ServerRequest) => {
    if (message.type === 'sample') {
      // --expose-gc is passed for the memory run only: collecting first makes the heap figure steady.
      if (message.collectGarbage && global.gc) global.gc();
      reply({ type: 'sample', cpu: process.cpuUsage(), memory: process.memoryUsage() });
    }
  });
  // The parent going away (normally or not) ends the server: no orphan keeps the port.
  process.on('disconnect', () => {
    void serving.then((server) => {
      server.close();
      server.closeAllConnections();
      process.exit(0);
    });
  });
}
