// The supertest recipe of the README, word for word but for the import paths
// ('tencent-chat-recall-webhook' → '../../lib/entries', 'tencent-chat-recall-webhook/testing' → '../../lib/testing').
import express from 'express';
import request from 'supertest';
import { recallWebhook, type GroupRecallEvent } from '../../lib/entries';
import { createCallbackQuery, createMsgSeqList, createRecallEvent } from '../../lib/testing/index';

const SDK_APP_ID = 1400000000;
const TOKEN = 'test-callback-token';
const CALLBACK_PATH = '/tencent-chat/callback';
const OK = { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 };

// Your app, built the way production builds it; here a stand-in with the middleware mounted.
function createApp(onRecall: (event: GroupRecallEvent) => unknown, token?: string) {
  const app = express();
  app.use(CALLBACK_PATH, recallWebhook({ sdkAppId: SDK_APP_ID, token, onRecall }));
  return app;
}

describe('recall callback (no token)', () => {
  it('hands a recall in a community topic to onRecall', async () => {
    const onRecall = jest.fn();
    const body = createRecallEvent({ MsgSeqList: createMsgSeqList([100]) });

    await request(createApp(onRecall))
      .post(CALLBACK_PATH)
      .query(createCallbackQuery(SDK_APP_ID))
      .send(body)
      .expect(200, OK);

    expect(onRecall).toHaveBeenCalledTimes(1);
    expect(onRecall.mock.calls[0][0]).toMatchObject({
      groupType: 'Community',
      groupId: body.GroupId,
      topicId: body.TopicId,
      messages: [{ msgSeq: 100, msgId: expect.any(String) }],
    });
  });

  it('hands several messages recalled at once in a Public group to onRecall', async () => {
    const onRecall = jest.fn();
    const body = createRecallEvent({
      Type: 'Public',
      GroupId: '@TGS#2MYGROUP',
      MsgSeqList: createMsgSeqList([130, 131]),
    });

    await request(createApp(onRecall))
      .post(CALLBACK_PATH)
      .query(createCallbackQuery(SDK_APP_ID))
      .send(body)
      .expect(200, OK);

    const event: GroupRecallEvent = onRecall.mock.calls[0][0];
    expect(event.groupId).toBe('@TGS#2MYGROUP');
    expect(event.topicId).toBeUndefined();
    expect(event.messages.map((message) => message.msgSeq)).toEqual([130, 131]);
  });

  it('answers FAIL when onRecall fails', async () => {
    const onRecall = jest.fn().mockRejectedValue(new Error('database down'));

    const response = await request(createApp(onRecall))
      .post(CALLBACK_PATH)
      .query(createCallbackQuery(SDK_APP_ID))
      .send(createRecallEvent())
      .expect(500);

    expect(response.body.ActionStatus).toBe('FAIL');
  });
});

describe('recall callback (token set)', () => {
  it('accepts a callback signed now with the token', async () => {
    const onRecall = jest.fn();

    await request(createApp(onRecall, TOKEN))
      .post(CALLBACK_PATH)
      .query(createCallbackQuery(SDK_APP_ID, { token: TOKEN }))
      .send(createRecallEvent())
      .expect(200, OK);

    expect(onRecall).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['unsigned', {}],
    ['signed with another token', { token: 'not-the-token' }],
    ['signed five minutes ago', { token: TOKEN, timestamp: Date.now() - 5 * 60_000 }],
  ])('rejects a callback %s with 401, without calling onRecall', async (_case, signing) => {
    const onRecall = jest.fn();

    const response = await request(createApp(onRecall, TOKEN))
      .post(CALLBACK_PATH)
      .query(createCallbackQuery(SDK_APP_ID, signing))
      .send(createRecallEvent())
      .expect(401);

    expect(response.body.ActionStatus).toBe('FAIL');
    expect(onRecall).not.toHaveBeenCalled();
  });
});
