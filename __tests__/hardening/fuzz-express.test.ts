import http from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import fc from 'fast-check';
import {
  recallWebhook,
  C2C_RECALL_COMMAND,
  RECALL_COMMAND,
  type ErrorContext,
  type RecallEvent,
} from '../../lib/entries';
import { listen, send, type RunningServer } from './http';
import {
  CASE_HEADER,
  expectedOutcome,
  expectEventFor,
  expectSameObjectPrototype,
  expectWellFormedAnswer,
  FAIL_HEADER,
  fuzzCase,
  fuzzParameters,
  fuzzTimeout,
  LIMIT,
  NOW,
  objectPrototypeSnapshot,
  SDK_APP_ID,
  TOKEN,
  TOLERANCE_SECONDS,
} from './support';

const calls = new Map<string, RecallEvent[]>();
const reports = new Map<string, Array<{ error: unknown; context: ErrorContext<Request> }>>();
const passedOn = new Map<string, number>();
const answersWritten = new Map<string, number>();
const routeErrors: unknown[] = [];
const thrown = new Error('handler failure');

function record(event: RecallEvent, req: Request): void {
  const id = req.get(CASE_HEADER)!;
  calls.set(id, [...(calls.get(id) ?? []), event]);
  if (req.get(FAIL_HEADER) === 'true') throw thrown;
}

function middleware(tokenRequired: boolean) {
  return recallWebhook<Request>({
    sdkAppId: SDK_APP_ID,
    token: tokenRequired ? TOKEN : undefined,
    toleranceSeconds: TOLERANCE_SECONDS,
    now: () => NOW,
    limit: LIMIT,
    onRecall: (event, req) => record(event, req),
    onC2CRecall: (event, req) => record(event, req),
    onOfficialAccountRecall: (event, req) => record(event, req),
    onError: (error, context) => {
      const id = context.request.get(CASE_HEADER)!;
      reports.set(id, [...(reports.get(id) ?? []), { error, context }]);
    },
  });
}

let running: RunningServer;
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

beforeAll(async () => {
  const app = express();
  // Counts every end() of every response, to prove no request is answered twice.
  app.use((req, res, next) => {
    const id = req.get(CASE_HEADER)!;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.end = ((...args: unknown[]) => {
      answersWritten.set(id, (answersWritten.get(id) ?? 0) + 1);
      return end(...args);
    }) as Response['end'];
    next();
  });
  app.use('/signed', middleware(true));
  app.use('/open', middleware(false));
  app.use((req, res) => {
    const id = req.get(CASE_HEADER)!;
    passedOn.set(id, (passedOn.get(id) ?? 0) + 1);
    res.status(204).set('x-passed-on', 'yes').end();
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    routeErrors.push(error);
    res.status(599).end();
  });
  running = await listen(app);
});

afterAll(async () => {
  agent.destroy();
  await running.close();
});

describe('Express middleware over HTTP under generated requests', () => {
  test(
    'every request is passed on once or answered once, as the README says; valid events reach their handler once',
    async () => {
      const prototypeBefore = objectPrototypeSnapshot();
      let nextId = 0;
      // Valid events delivered, by command.
      const accepted = new Map<unknown, number>();

      await fc.assert(
        fc.asyncProperty(fuzzCase, fc.boolean(), async (fuzz, tokenRequired) => {
          const id = String(nextId++);
          const expected = expectedOutcome(fuzz, { tokenRequired });
          const headers: http.OutgoingHttpHeaders = { [CASE_HEADER]: id, [FAIL_HEADER]: String(fuzz.handlerFails) };
          if (fuzz.contentType !== undefined) headers['content-type'] = fuzz.contentType;
          if (fuzz.contentEncoding !== undefined) headers['content-encoding'] = fuzz.contentEncoding;
          const answer = await send(running.port, `/${tokenRequired ? 'signed' : 'open'}?${fuzz.query}`, {
            method: fuzz.method,
            headers,
            body: fuzz.body,
            chunks: fuzz.chunks,
            agent,
          });

          expect(answersWritten.get(id)).toBe(1);
          expect(routeErrors).toEqual([]);
          if (expected.passedOn) {
            expect([answer.status, answer.headers['x-passed-on'], passedOn.get(id)]).toEqual([204, 'yes', 1]);
            expect(calls.has(id)).toBe(false);
            return;
          }
          expect(passedOn.has(id)).toBe(false);
          expect(answer.status).toBe(expected.status);
          expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
          expect(answer.headers['www-authenticate'] !== undefined).toBe(answer.status === 401);
          expectWellFormedAnswer(answer.status, answer.text);
          if (expected.event === undefined) {
            expect(calls.has(id)).toBe(false);
            expect(reports.has(id)).toBe(false);
          } else {
            accepted.set(expected.event.CallbackCommand, (accepted.get(expected.event.CallbackCommand) ?? 0) + 1);
            expect(calls.get(id)).toHaveLength(1);
            expectEventFor(calls.get(id)![0], expected.event);
            if (expected.status === 500) {
              expect(reports.get(id)).toHaveLength(1);
              expect(reports.get(id)![0].error).toBe(thrown);
              expect(reports.get(id)![0].context.stage).toBe('callback');
            } else {
              expect(reports.has(id)).toBe(false);
            }
          }
          expectSameObjectPrototype(prototypeBefore);
        }),
        fuzzParameters(1000),
      );
      // The generators must reach the end of the pipeline often, for both commands, or the property says little.
      const delivered = [...accepted.values()].reduce((sum, count) => sum + count, 0);
      expect(delivered).toBeGreaterThan(nextId / 10);
      expect(accepted.get(RECALL_COMMAND)).toBeGreaterThan(nextId / 40);
      expect(accepted.get(C2C_RECALL_COMMAND)).toBeGreaterThan(nextId / 40);
      console.log(
        `Express middleware: ${nextId} generated requests over HTTP, ${delivered} valid events delivered (${[...accepted].map(([command, count]) => `${count} ${String(command)}`).join(', ')})`,
      );
    },
    fuzzTimeout(60_000),
  );
});
