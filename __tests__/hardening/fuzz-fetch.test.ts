import fc from 'fast-check';
import {
  createRecallHandler,
  C2C_RECALL_COMMAND,
  RECALL_COMMAND,
  type ErrorContext,
  type RecallEvent,
} from '../../lib/entries';
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
  type FuzzCase,
} from './support';

function toRequest(fuzz: FuzzCase, id: number): Request {
  const headers = new Headers({ [CASE_HEADER]: String(id), [FAIL_HEADER]: String(fuzz.handlerFails) });
  if (fuzz.contentType !== undefined) headers.set('content-type', fuzz.contentType);
  if (fuzz.contentEncoding !== undefined) headers.set('content-encoding', fuzz.contentEncoding);
  const url = `http://127.0.0.1/tencent-chat/callback?${fuzz.query}`;
  if (fuzz.method === 'GET') return new Request(url, { method: fuzz.method, headers });
  const size = Math.ceil(fuzz.body.byteLength / fuzz.chunks);
  const pieces = Array.from({ length: fuzz.chunks }, (_, index) =>
    fuzz.body.subarray(index * size, (index + 1) * size),
  );
  const body =
    fuzz.chunks === 1
      ? fuzz.body
      : new ReadableStream<Uint8Array>({
          pull(controller) {
            const piece = pieces.shift();
            if (piece === undefined) controller.close();
            else controller.enqueue(piece);
          },
        });
  return new Request(url, { method: fuzz.method, headers, body, duplex: 'half' } as RequestInit);
}

const calls: RecallEvent[] = [];
const reports: Array<{ error: unknown; context: ErrorContext<Request> }> = [];
const thrown = new Error('handler failure');
let currentId = '';

function record(event: RecallEvent, request: Request): void {
  expect(request.headers.get(CASE_HEADER)).toBe(currentId);
  calls.push(event);
  if (request.headers.get(FAIL_HEADER) === 'true') throw thrown;
}

function handlerFor(tokenRequired: boolean, respond: 'after-callback' | 'immediately') {
  return createRecallHandler({
    sdkAppId: SDK_APP_ID,
    token: tokenRequired ? TOKEN : undefined,
    toleranceSeconds: TOLERANCE_SECONDS,
    now: () => NOW,
    limit: LIMIT,
    respond,
    onRecall: (event, request) => record(event, request),
    onC2CRecall: (event, request) => record(event, request),
    onOfficialAccountRecall: (event, request) => record(event, request),
    onError: (error, context) => reports.push({ error, context }),
  });
}

const handlers: Record<string, (request: Request) => Promise<Response | null>> = {
  'true/after-callback': handlerFor(true, 'after-callback'),
  'true/immediately': handlerFor(true, 'immediately'),
  'false/after-callback': handlerFor(false, 'after-callback'),
  'false/immediately': handlerFor(false, 'immediately'),
};

describe('Fetch handler under generated requests', () => {
  test(
    'every request is passed on or answered once, as the README says; valid events reach their handler once',
    async () => {
      const prototypeBefore = objectPrototypeSnapshot();
      let nextId = 0;
      // Valid events delivered, by command.
      const accepted = new Map<unknown, number>();

      await fc.assert(
        fc.asyncProperty(
          fuzzCase,
          fc.boolean(),
          fc.constantFrom('after-callback', 'immediately'),
          async (fuzz, tokenRequired, respond) => {
            const id = nextId++;
            calls.length = 0;
            reports.length = 0;
            const handler = handlers[`${tokenRequired}/${respond}`];
            const expected = expectedOutcome(fuzz, { tokenRequired });
            currentId = String(id);
            const response = await handler(toRequest(fuzz, id));
            // With respond: 'immediately', onRecall runs after the answer.
            await new Promise((resolve) => setImmediate(resolve));
            await new Promise((resolve) => setImmediate(resolve));

            if (expected.passedOn) {
              expect(response).toBeNull();
              expect(calls).toHaveLength(0);
              return;
            }
            expect(response).not.toBeNull();
            const immediateFailure = respond === 'immediately' && expected.status === 500;
            const status = immediateFailure ? 200 : expected.status;
            expect(response!.status).toBe(status);
            expect(response!.headers.get('content-type')).toBe('application/json; charset=utf-8');
            expect(response!.headers.has('www-authenticate')).toBe(status === 401);
            expectWellFormedAnswer(response!.status, await response!.text());

            if (expected.event === undefined) {
              expect(calls).toHaveLength(0);
              expect(reports).toHaveLength(0);
            } else {
              accepted.set(expected.event.CallbackCommand, (accepted.get(expected.event.CallbackCommand) ?? 0) + 1);
              expect(calls).toHaveLength(1);
              expectEventFor(calls[0], expected.event);
              if (expected.status === 500) {
                expect(reports).toHaveLength(1);
                expect(reports[0].error).toBe(thrown);
                expect(reports[0].context.stage).toBe(immediateFailure ? 'after-answer' : 'callback');
                expect(reports[0].context.event).toBe(calls[0]);
              } else {
                expect(reports).toHaveLength(0);
              }
            }
            expectSameObjectPrototype(prototypeBefore);
          },
        ),
        fuzzParameters(2000),
      );
      // The generators must reach the end of the pipeline often, for both commands, or the property says little.
      const delivered = [...accepted.values()].reduce((sum, count) => sum + count, 0);
      expect(delivered).toBeGreaterThan(nextId / 5);
      expect(accepted.get(RECALL_COMMAND)).toBeGreaterThan(nextId / 40);
      expect(accepted.get(C2C_RECALL_COMMAND)).toBeGreaterThan(nextId / 40);
      console.log(
        `Fetch handler: ${nextId} generated requests, ${delivered} valid events delivered (${[...accepted].map(([command, count]) => `${count} ${String(command)}`).join(', ')})`,
      );
    },
    fuzzTimeout(60_000),
  );
});
