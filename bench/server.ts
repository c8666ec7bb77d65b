// One benchmark server per child process, so that its CPU time and its core are its own.
// Started by bench/run.ts as dist-bench/bench/server.js <kind>; reports its port over IPC.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import express from 'express';
import { createRecallHandler, createRecallListener, recallWebhook, RECALL_COMMAND } from '../lib';
import { CALLBACK_PATH, SDK_APP_ID, TOKEN } from './fixtures';
import { SERVER_KINDS, type ServerKind, type ServerReply, type ServerRequest } from './protocol';

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

function listenerFor(kind: ServerKind): RequestListener {
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
  }
}

function reply(message: ServerReply): void {
  process.send?.(message);
}

function serve(kind: ServerKind): Server {
  const server = createServer(listenerFor(kind));
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
  if (!process.send) throw new Error('the benchmark server runs as a child of bench/run.ts (it needs an IPC channel)');
  const server = serve(kind);
  process.on('message', (message: ServerRequest) => {
    if (message.type === 'sample') {
      // --expose-gc is passed for the memory run only: collecting first makes the heap figure steady.
      if (message.collectGarbage && global.gc) global.gc();
      reply({ type: 'sample', cpu: process.cpuUsage(), memory: process.memoryUsage() });
    }
  });
  // The parent going away (normally or not) ends the server: no orphan keeps the port.
  process.on('disconnect', () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
