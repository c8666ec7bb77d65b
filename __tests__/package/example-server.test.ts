/** The example server (examples/server.ts) logs both kinds of recall and answers the rest OK. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { C2C_RECALL_COMMAND } from '../../lib/entries';
import { createC2CRecallEvent, createCallbackQuery, createRecallEvent, DEMO_SDK_APP_ID } from '../../lib/testing/index';
import { CALLBACK_PATH, createExampleApp } from '../../examples/server';

const OK = { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 };

let server: Server;
let url: string;
const lines: string[] = [];

beforeAll(async () => {
  const app = createExampleApp({ sdkAppId: DEMO_SDK_APP_ID, log: (line) => void lines.push(line) });
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${CALLBACK_PATH}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => (lines.length = 0));

async function post(body: object, callbackCommand: string): Promise<unknown> {
  const query = new URLSearchParams(createCallbackQuery(DEMO_SDK_APP_ID, { callbackCommand }));
  const response = await fetch(`${url}?${query}`, { method: 'POST', body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return response.json();
}

it('logs a group recall', async () => {
  const body = createRecallEvent({ Type: 'Public', GroupId: '@TGS#2example', EventTime: 1670574414123 });
  expect(await post(body, body.CallbackCommand)).toEqual(OK);
  expect(lines).toEqual([
    `recall group=@TGS#2example by=user_alice seq=${body.MsgSeqList[0].MsgSeq} at=2022-12-09T08:26:54.123Z`,
  ]);
});

it.each([
  ['English', { UnreadMsgNum: 7, EventTime: undefined }, ' unread=7'],
  ['Chinese', { UnreadMsgNum: undefined, EventTime: 1670574414123 }, ' at=2022-12-09T08:26:54.123Z'],
])('logs a one-to-one recall shaped as the %s sample', async (_page, overrides, tail) => {
  const body = createC2CRecallEvent({ From_Account: 'jared', To_Account: 'Jonh', MsgKey: 'k1', ...overrides });
  expect(await post(body, C2C_RECALL_COMMAND)).toEqual(OK);
  expect(lines).toEqual([`recall c2c from=jared to=Jonh msgKey=k1${tail}`]);
});

it('answers OK to another callback command and logs that it ignored it', async () => {
  expect(await post({ CallbackCommand: 'C2C.CallbackAfterSendMsg' }, 'C2C.CallbackAfterSendMsg')).toEqual(OK);
  expect(lines).toEqual(['ignored callback C2C.CallbackAfterSendMsg']);
});
