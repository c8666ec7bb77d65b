/**
 * The behaviour table over real HTTP on 127.0.0.1 for the framework adapters (Fastify, Koa,
 * NestJS): one server per case, built by the framework's test, for every Content-Type Tencent
 * might send. A request the adapter does not claim must reach the app's next handler, which
 * answers `{ passedOn: true, body }` with the body as it found it (text, or what a parser made of it).
 */
import { send } from '../hardening/http';
import { cases, expectedErrorInfo, queryString, rejectedByJsonParser, type Case, type Mount } from '../cases';
import { checkAnswer, recorder, type Recorder } from '../harness';

export const PATH = '/tencent-chat/callback';
export const CONTENT_TYPES: Array<string | undefined> = ['application/json', undefined, 'text/plain'];

export interface TableServer {
  port: number;
  close: () => Promise<void>;
}

/** What the app's next handler answers: the body as it reached it. */
export function passedOnAnswer(body: unknown): { passedOn: true; body: unknown } {
  return { passedOn: true, body: Buffer.isBuffer(body) ? body.toString('utf8') : (body ?? '') };
}

/** How the app's body parser in front of the adapter behaves, as the cases know it from Express. */
export interface ParserInFront {
  /** `json`: the parser answers invalid JSON sent as JSON itself, before the adapter runs (`behindJsonParser: 'rejects'`). */
  mount: Mount;
  /** Whether it keeps the text it parsed; if not, an empty JSON body reaches the adapter parsed (`behindJsonParser.errorInfo`). */
  keepsText: boolean;
}

/**
 * The cases named for every framework, for each recall command: a valid recall, wrong app,
 * bad Sign, broken and empty JSON, over the limit, a handler that throws, other commands passed on.
 */
const NAMED = [
  'claims a valid recall and answers OK',
  'passes on a POST of another CallbackCommand with its body unread',
  'passes on a GET of the recall command',
  ...[
    'OK when onRecall resolves',
    'a signed request is accepted',
    '403 when SdkAppid is another app',
    '401 when the Sign was made with another token',
    '400 on invalid JSON',
    '400 on an empty body',
    '413 when the body is over the limit',
    '500 with a generic ErrorInfo when onRecall throws',
  ].flatMap((name) => [name, `one-to-one: ${name}`, `Official Account: ${name}`]),
];
export const namedCases = cases.filter((c) => NAMED.includes(c.name));

export function describeTable<Req>(
  title: string,
  start: (rec: Recorder<Req>) => Promise<TableServer>,
  parser: ParserInFront = { mount: 'none', keepsText: false },
  table: Case[] = cases,
): void {
  describe.each(CONTENT_TYPES.map((ct) => [ct ?? 'no Content-Type', ct] as const))(
    `${title}, Content-Type %s`,
    (_label, contentType) => {
      it.each(table.map((c) => [c.name, c] as const))('%s', async (_name, testCase: Case) => {
        const rec = recorder<Req>(testCase);
        const server = await start(rec);
        try {
          const search = queryString(testCase.query);
          const headers: Record<string, string> = { ...testCase.headers };
          if (contentType !== undefined) headers['content-type'] = contentType;
          const started = Date.now();
          const reply = await send(server.port, search ? `${PATH}?${search}` : PATH, {
            method: testCase.method ?? 'POST',
            headers,
            ...(testCase.body === undefined ? {} : { body: testCase.body }),
          });
          const elapsedMs = Date.now() - started;
          if (rejectedByJsonParser(testCase, parser.mount, contentType)) {
            expect(reply.status).toBe(400);
            expect(rec.events).toHaveLength(0);
            return;
          }
          if (testCase.expected.passThrough) {
            expect(reply.status).toBe(200);
            const { passedOn, body } = JSON.parse(reply.text) as { passedOn?: boolean; body: unknown };
            expect(passedOn).toBe(true);
            const sent = testCase.body ?? '';
            if (typeof body === 'string') expect(body).toBe(sent);
            else expect(body).toEqual(JSON.parse(sent));
            expect(rec.events).toHaveLength(0);
            return;
          }
          const parsedWithoutText = parser.mount === 'json' && !parser.keepsText && contentType === 'application/json';
          await checkAnswer(
            testCase,
            rec,
            {
              status: reply.status,
              contentType: (reply.headers['content-type'] as string | undefined) ?? null,
              wwwAuthenticate: (reply.headers['www-authenticate'] as string | undefined) ?? null,
              text: reply.text,
              elapsedMs,
            },
            expectedErrorInfo(testCase, parsedWithoutText),
          );
        } finally {
          await server.close();
        }
      });
    },
  );
}
