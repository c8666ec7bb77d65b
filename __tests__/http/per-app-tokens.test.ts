/**
 * `token` keyed by SdkAppid: each app's callbacks are checked against that app's tokens only, so
 * one leaked token forges one app. A string or an array keeps meaning "shared by every app".
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createRecallHandler, recallWebhook, type RecallWebhookOptions } from '../../lib/entries';
import { createCallbackQuery, createRecallEvent } from '../../lib/testing/index';

const APP_A = '1400000001';
const APP_B = '1400000002';
const TOKEN_A = 'token-of-app-a';
const TOKEN_B = 'token-of-app-b';
const TOKEN_B_NEXT = 'next-token-of-app-b';

const perApp = { [APP_A]: TOKEN_A, [APP_B]: [TOKEN_B, TOKEN_B_NEXT] };

type Post = (sdkAppId: string, token: string) => Promise<{ status: number; body: unknown }>;

/** Both adapters, each with a way to post one signed recall. */
const adapters: Array<[string, (token: RecallWebhookOptions<never>['token']) => Promise<Post>]> = [
  [
    'Express over HTTP',
    async (token) => {
      const app = express();
      app.use('/callback', recallWebhook({ sdkAppId: [APP_A, APP_B], token, onRecall: () => {} }));
      const server: Server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      servers.push(server);
      const { port } = server.address() as AddressInfo;
      return async (sdkAppId, signingToken) => {
        const query = new URLSearchParams(createCallbackQuery(sdkAppId, { token: signingToken }));
        const response = await fetch(`http://127.0.0.1:${port}/callback?${query}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(createRecallEvent()),
        });
        return { status: response.status, body: await response.json() };
      };
    },
  ],
  [
    'Fetch handler',
    async (token) => {
      const handler = createRecallHandler({ sdkAppId: [APP_A, APP_B], token, onRecall: () => {} });
      return async (sdkAppId, signingToken) => {
        const query = new URLSearchParams(createCallbackQuery(sdkAppId, { token: signingToken }));
        const response = await handler(
          new Request(`http://127.0.0.1/callback?${query}`, {
            method: 'POST',
            body: JSON.stringify(createRecallEvent()),
          }),
        );
        return { status: response!.status, body: await response!.json() };
      };
    },
  ],
];

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const OK = { status: 200, body: { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 } };
const FORGED = { status: 401, body: { ActionStatus: 'FAIL', ErrorInfo: 'Sign does not match', ErrorCode: 1 } };

describe.each(adapters)('%s', (_name, start) => {
  describe('with a token per app', () => {
    let post: Post;
    beforeAll(async () => (post = await start(perApp)));

    test.each([
      ['app A with its token', APP_A, TOKEN_A, OK],
      ['app B with its token', APP_B, TOKEN_B, OK],
      ['app B with its next token (rotation)', APP_B, TOKEN_B_NEXT, OK],
      ["app A with app B's token", APP_A, TOKEN_B, FORGED],
      ["app A with app B's next token", APP_A, TOKEN_B_NEXT, FORGED],
      ["app B with app A's token", APP_B, TOKEN_A, FORGED],
    ])('%s', async (_case, sdkAppId, token, expected) => {
      expect(await post(sdkAppId, token)).toEqual(expected);
    });
  });

  describe('with rotation arrays per app', () => {
    let post: Post;
    beforeAll(async () => (post = await start({ [APP_A]: ['a-old', 'a-new'], [APP_B]: ['b-old', 'b-new'] })));

    test.each([
      [APP_A, 'a-old', OK],
      [APP_A, 'a-new', OK],
      [APP_B, 'b-old', OK],
      [APP_B, 'b-new', OK],
      [APP_A, 'b-old', FORGED],
      [APP_A, 'b-new', FORGED],
      [APP_B, 'a-old', FORGED],
      [APP_B, 'a-new', FORGED],
    ])('app %s signed with %s', async (sdkAppId, token, expected) => {
      expect(await post(sdkAppId, token)).toEqual(expected);
    });
  });

  describe('with an array shared by every app', () => {
    let post: Post;
    beforeAll(async () => (post = await start([TOKEN_A, TOKEN_B])));

    test.each([
      [APP_A, TOKEN_A],
      [APP_A, TOKEN_B],
      [APP_B, TOKEN_A],
      [APP_B, TOKEN_B],
    ])('app %s signed with %s is accepted', async (sdkAppId, token) => {
      expect(await post(sdkAppId, token)).toEqual(OK);
    });

    test('a token not in the array is refused', async () => {
      expect(await post(APP_A, TOKEN_B_NEXT)).toEqual(FORGED);
    });
  });
});

describe('validating a token per app', () => {
  const create = (sdkAppId: RecallWebhookOptions<never>['sdkAppId'], token: unknown) => () =>
    recallWebhook({ sdkAppId, token: token as RecallWebhookOptions<never>['token'], onRecall: () => {} });

  test.each([
    [
      'an app without a token',
      [APP_A, APP_B],
      { [APP_A]: TOKEN_A },
      `"token" has no entry for SdkAppid ${APP_B}: every configured app needs its token (or use one token shared by all)`,
    ],
    [
      'a key that is not a configured app',
      [APP_A],
      { [APP_A]: TOKEN_A, [APP_B]: TOKEN_B },
      `"token" has an entry for SdkAppid ${APP_B}, which is not in "sdkAppId"`,
    ],
    ['a key that is not an SdkAppid', APP_A, { [APP_A]: TOKEN_A, default: TOKEN_B }, '"token.default" is not allowed'],
    ['an empty object', APP_A, {}, '"token"'],
    ['an empty token', APP_A, { [APP_A]: '' }, `"token.${APP_A}"`],
    ['an empty rotation array', APP_A, { [APP_A]: [] }, `"token.${APP_A}"`],
    ['a token that is not a string', APP_A, { [APP_A]: [TOKEN_A, 7] }, `"token.${APP_A}`],
    [
      'a token option of another type',
      APP_A,
      7,
      '"token" must be a token, an array of tokens, or tokens keyed by SdkAppid',
    ],
  ])('rejects %s', (_case, sdkAppId, token, message) => {
    expect(create(sdkAppId, token)).toThrow(TypeError);
    expect(create(sdkAppId, token)).toThrow(message);
    try {
      create(sdkAppId, token)();
    } catch (error) {
      for (const secret of [TOKEN_A, TOKEN_B]) expect((error as Error).message).not.toContain(secret);
    }
  });

  test('accepts numeric sdkAppIds with string keys', () => {
    expect(typeof create([Number(APP_A), Number(APP_B)], perApp)()).toBe('function');
  });
});
