/**
 * The fake Tencent Chat server over real HTTP on 127.0.0.1: the history and group commands as
 * Tencent documents them, REST recalls, its own checks (UserSig, account, rate), and the recall
 * webhooks it fires at a real receiver (the package's node:http listener).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';
import { Api } from 'tls-sig-api-v2/TLSSigAPIv2.js';
import { createRecallListener } from '../../lib/adapters/node-http';
import type { RecallEvent } from '../../lib/protocol/types';
import { createChatApiClient, type ChatApiClient } from '../../lib/reconcile/chat-api-client';
import {
  startFakeChatServer,
  type FakeChatServer,
  type FakeChatServerOptions,
} from '../../lib/testing/fake-chat-server';

const SDK_APP_ID = 1400000002;
const SECRET_KEY = 'fake-server-secret';
const TOKEN = 'callback-token';
const HISTORY = 'group_open_http_svc/group_msg_get_simple';
const ROAM = 'openim/admin_getroammsg';
const DAY = 24 * 60 * 60;

interface GroupMessageAnswer {
  MsgSeq: number;
  IsPlaceMsg: number;
  MsgBody: unknown[];
  From_Account: string;
  MsgTimeStamp: number;
}
interface HistoryAnswer {
  GroupId: string;
  IsFinished: number;
  RspMsgList: GroupMessageAnswer[];
}
interface RoamAnswer {
  Complete: number;
  MsgCnt: number;
  LastMsgTime: number;
  LastMsgKey: string;
  MsgList: Array<{
    MsgKey: string;
    From_Account: string;
    To_Account: string;
    MsgFlagBits: number;
    MsgTimeStamp: number;
  }>;
}

let fake: FakeChatServer;
let api: ChatApiClient;

async function start(options: Partial<FakeChatServerOptions> = {}): Promise<void> {
  fake = await startFakeChatServer({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, ...options });
  api = createChatApiClient({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, baseUrl: fake.baseUrl, maxRetries: 0 });
}

afterEach(async () => {
  await fake.close();
});

describe('group history (group_msg_get_simple)', () => {
  beforeEach(() => start());

  function history(body: object) {
    return api.call<HistoryAnswer>(HISTORY, body);
  }

  it('pages newest first by ReqMsgSeq, marking recalled (only with WithRecalledMsg 1), deleted and expired messages', async () => {
    const now = Math.floor(Date.now() / 1000);
    const groupId = fake.createGroup({ groupId: '@TGS#history' });
    for (let i = 1; i <= 45; i++) {
      // Message 1 and 2 are older than the 7 days of roaming storage.
      fake.sendGroupMessage({ groupId, from: `user_${i}`, text: `message ${i}`, time: i <= 2 ? now - 8 * DAY : now });
    }
    await fake.recallGroupMessage({ groupId, msgSeq: 44 });
    await fake.recallGroupMessage({ groupId, msgSeq: 10, operator: 'admin_bob' });
    fake.deleteGroupMessage({ groupId, msgSeq: 43 });

    const pages: HistoryAnswer[] = [];
    let reqMsgSeq: number | undefined;
    do {
      pages.push(await history({ GroupId: groupId, ReqMsgNumber: 20, ReqMsgSeq: reqMsgSeq, WithRecalledMsg: 1 }));
      reqMsgSeq = Math.min(...pages[pages.length - 1].RspMsgList.map((m) => m.MsgSeq)) - 1;
    } while (reqMsgSeq >= 1);

    expect(pages.map((p) => [p.GroupId, p.IsFinished, p.RspMsgList.length])).toEqual([
      [groupId, 1, 20],
      [groupId, 1, 20],
      [groupId, 1, 5],
    ]);
    const messages = pages.flatMap((p) => p.RspMsgList);
    expect(messages.map((m) => m.MsgSeq)).toEqual(Array.from({ length: 45 }, (_, i) => 45 - i));
    const marks = Object.fromEntries(messages.filter((m) => m.IsPlaceMsg !== 0).map((m) => [m.MsgSeq, m.IsPlaceMsg]));
    expect(marks).toEqual({ 44: 2, 43: 1, 10: 2, 2: 1, 1: 1 });
    for (const message of messages) {
      expect(message.MsgBody).toEqual(
        message.IsPlaceMsg === 0 ? [{ MsgType: 'TIMTextElem', MsgContent: { Text: `message ${message.MsgSeq}` } }] : [],
      );
    }
    expect(messages[0]).toEqual({
      From_Account: 'user_45',
      IsPlaceMsg: 0,
      IsSystemMsg: 0,
      MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'message 45' } }],
      MsgPriority: 1,
      MsgRandom: expect.any(Number),
      MsgSeq: 45,
      MsgTimeStamp: now,
    });

    // Without WithRecalledMsg the recalled messages are left out.
    const plain = await history({ GroupId: groupId, ReqMsgNumber: 5 });
    expect(plain.RspMsgList.map((m) => [m.MsgSeq, m.IsPlaceMsg])).toEqual([
      [45, 0],
      [43, 1],
      [42, 0],
      [41, 0],
    ]);
  });

  it('answers at most 20 messages, IsFinished 0 when the range was cut, 2 when all of it had expired', async () => {
    const old = Math.floor(Date.now() / 1000) - 30 * DAY;
    const groupId = fake.createGroup();
    for (let i = 0; i < 30; i++) fake.sendGroupMessage({ groupId, from: 'user_a', time: i < 25 ? old : undefined });
    const cut = await history({ GroupId: groupId, ReqMsgNumber: 25 });
    expect([cut.IsFinished, cut.RspMsgList.length, cut.RspMsgList[0].MsgSeq]).toEqual([0, 20, 30]);
    const expired = await history({ GroupId: groupId, ReqMsgNumber: 25, ReqMsgSeq: 24 });
    expect([expired.IsFinished, expired.RspMsgList.length]).toEqual([2, 20]);
    expect(expired.RspMsgList.every((m) => m.IsPlaceMsg === 1)).toBe(true);
    // A ReqMsgSeq past the newest starts at the newest; the range stops at seq 1.
    const tail = await history({ GroupId: groupId, ReqMsgNumber: 20, ReqMsgSeq: 3 });
    expect([tail.IsFinished, tail.RspMsgList.map((m) => m.MsgSeq)]).toEqual([1, [3, 2, 1]]);
    const ahead = await history({ GroupId: groupId, ReqMsgNumber: 1, ReqMsgSeq: 99 });
    expect(ahead.RspMsgList.map((m) => m.MsgSeq)).toEqual([30]);
  });

  it('keeps each topic of a community in its own sequence', async () => {
    const topic = '@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_News';
    const groupId = fake.createGroup({ groupId: '@TGS#_@TGS#cQVLVHIM62CJ', type: 'Community', topics: [topic] });
    fake.sendGroupMessage({ groupId, from: 'user_a' });
    expect(fake.sendGroupMessage({ groupId, topicId: topic, from: 'user_b' }).msgSeq).toBe(1);
    expect(fake.sendGroupMessage({ groupId, topicId: topic, from: 'user_c' }).msgSeq).toBe(2);
    const answer = await history({ GroupId: groupId, TopicId: topic, ReqMsgNumber: 20 });
    expect(answer.RspMsgList.map((m) => m.From_Account)).toEqual(['user_c', 'user_b']);
    const main = await history({ GroupId: groupId, ReqMsgNumber: 20 });
    expect(main.RspMsgList.map((m) => m.From_Account)).toEqual(['user_a']);
  });

  it.each([
    ['a missing group', { GroupId: '@TGS#none', ReqMsgNumber: 1 }, 10010],
    ['an AVChatRoom (no history)', { GroupId: '@TGS#live', ReqMsgNumber: 1 }, 10007],
    ['no ReqMsgNumber', { GroupId: '@TGS#plain' }, 10004],
    ['ReqMsgNumber 0', { GroupId: '@TGS#plain', ReqMsgNumber: 0 }, 10004],
    ['no GroupId', { ReqMsgNumber: 1 }, 10004],
    ['a topic the group does not have', { GroupId: '@TGS#plain', ReqMsgNumber: 1, TopicId: 'x' }, 10004],
    ['a ReqMsgSeq that is not an integer', { GroupId: '@TGS#plain', ReqMsgNumber: 1, ReqMsgSeq: '5' }, 10004],
  ])('answers %s with ErrorCode %p', async (_name, body, code) => {
    fake.createGroup({ groupId: '@TGS#live', type: 'AVChatRoom' });
    fake.createGroup({ groupId: '@TGS#plain' });
    await expect(history(body)).rejects.toMatchObject({ name: 'ChatApiError', code, command: HISTORY });
  });

  it('names a community it names itself with the community prefix', () => {
    expect(fake.createGroup({ type: 'Community' })).toMatch(/^@TGS#_/);
    expect(fake.createGroup()).toMatch(/^@TGS#[^_]/);
  });

  it('answers an empty group with an empty list', async () => {
    const groupId = fake.createGroup();
    await expect(history({ GroupId: groupId, ReqMsgNumber: 20 })).resolves.toMatchObject({
      IsFinished: 1,
      RspMsgList: [],
    });
  });

  it('refuses impossible set-ups and actions in the test code itself', async () => {
    fake.createGroup({ groupId: '@TGS#dup' });
    expect(() => fake.createGroup({ groupId: '@TGS#dup' })).toThrow(/exists already/);
    expect(() => fake.createGroup({ type: 'Public', topics: ['t'] })).toThrow(/only Community/);
    expect(() => fake.sendGroupMessage({ groupId: '@TGS#none', from: 'a' })).toThrow(/no group/);
    expect(() => fake.sendGroupMessage({ groupId: '@TGS#dup', topicId: 't', from: 'a' })).toThrow(/no topic/);
    expect(() => fake.deleteGroupMessage({ groupId: '@TGS#dup', msgSeq: 1 })).toThrow(/no message 1/);
    await expect(fake.recallGroupMessage({ groupId: '@TGS#dup', msgSeq: 1 })).rejects.toThrow(/cannot be recalled/);
    expect(() => fake.deleteC2CMessage({ from: 'a', to: 'b', msgKey: '1_2_3' })).toThrow(/no message/);
  });
});

describe('one-to-one history (admin_getroammsg)', () => {
  beforeEach(() => start());

  function roam(body: object) {
    return api.call<RoamAnswer>(ROAM, body);
  }

  it('answers both directions of a pair, recalled ones with MsgFlagBits 8, paged by LastMsgKey', async () => {
    const now = Math.floor(Date.now() / 1000);
    const keys: string[] = [];
    for (let i = 0; i < 60; i++) {
      const [from, to] = i % 2 === 0 ? ['user_a', 'user_b'] : ['user_b', 'user_a'];
      // Long texts: a page holds about 13 KB, so 60 of them take several pages.
      keys.push(fake.sendC2CMessage({ from, to, text: `${i} ${'x'.repeat(500)}`, time: now - 60 + i }).msgKey);
    }
    fake.sendC2CMessage({ from: 'user_a', to: 'user_c' });
    await fake.recallC2CMessage({ from: 'user_a', to: 'user_b', msgKey: keys[58] });
    await fake.recallC2CMessage({ from: 'user_b', to: 'user_a', msgKey: keys[3] });

    const pages: RoamAnswer[] = [];
    const request = {
      Operator_Account: 'user_b',
      Peer_Account: 'user_a',
      MaxCnt: 100,
      MinTime: now - 3600,
      MaxTime: now,
    };
    pages.push(await roam(request));
    while (pages[pages.length - 1].Complete === 0) {
      const last = pages[pages.length - 1];
      pages.push(await roam({ ...request, MaxTime: last.LastMsgTime, LastMsgKey: last.LastMsgKey }));
    }

    expect(pages.length).toBeGreaterThan(2);
    for (const page of pages) {
      expect(page.MsgCnt).toBe(page.MsgList.length);
      expect(JSON.stringify(page.MsgList).length).toBeLessThanOrEqual(13 * 1024);
      // LastMsgKey and LastMsgTime name the page's oldest message, listed first.
      expect([page.LastMsgKey, page.LastMsgTime]).toEqual([page.MsgList[0].MsgKey, page.MsgList[0].MsgTimeStamp]);
    }
    const seen = pages.flatMap((p) => p.MsgList);
    expect(seen.map((m) => m.MsgKey).sort()).toEqual([...keys].sort());
    const recalled = seen.filter((m) => (m.MsgFlagBits & 8) !== 0).map((m) => [m.From_Account, m.To_Account, m.MsgKey]);
    expect(recalled.sort()).toEqual(
      [
        ['user_a', 'user_b', keys[58]],
        ['user_b', 'user_a', keys[3]],
      ].sort(),
    );
  });

  it('answers only the time window, leaves out expired messages and those the operator deleted', async () => {
    const now = Math.floor(Date.now() / 1000);
    const old = fake.sendC2CMessage({ from: 'user_a', to: 'user_b', time: now - 8 * DAY });
    const early = fake.sendC2CMessage({ from: 'user_a', to: 'user_b', time: now - 100 });
    const deletedByB = fake.sendC2CMessage({ from: 'user_b', to: 'user_a', time: now - 50 });
    const deletedByBoth = fake.sendC2CMessage({ from: 'user_a', to: 'user_b', time: now - 40 });
    const late = fake.sendC2CMessage({ from: 'user_a', to: 'user_b', time: now - 10 });
    fake.deleteC2CMessage({ from: 'user_b', to: 'user_a', msgKey: deletedByB.msgKey, by: ['user_b'] });
    fake.deleteC2CMessage({ from: 'user_a', to: 'user_b', msgKey: deletedByBoth.msgKey });
    const keysFor = async (operator: string, peer: string, minTime: number, maxTime: number) =>
      (
        await roam({ Operator_Account: operator, Peer_Account: peer, MaxCnt: 100, MinTime: minTime, MaxTime: maxTime })
      ).MsgList.map((m) => m.MsgKey);

    expect(await keysFor('user_b', 'user_a', 0, now)).toEqual([early.msgKey, late.msgKey]);
    expect(await keysFor('user_a', 'user_b', 0, now)).toEqual([early.msgKey, deletedByB.msgKey, late.msgKey]);
    expect(await keysFor('user_a', 'user_b', now - 60, now - 20)).toEqual([deletedByB.msgKey]);
    expect(await keysFor('user_a', 'user_b', now - 9 * DAY, now - 7 * DAY - 1)).toEqual([]);
    expect(old.msgKey).toMatch(/^\d+_\d+_\d+$/);
    await expect(fake.recallC2CMessage({ from: 'user_a', to: 'user_b', msgKey: old.msgKey })).rejects.toThrow(
      /does not exist/,
    );
    await expect(fake.recallC2CMessage({ from: 'user_a', to: 'user_b', msgKey: deletedByBoth.msgKey })).rejects.toThrow(
      /does not exist/,
    );
  });

  it('ignores a LastMsgKey it does not know, answering the whole window', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sent = fake.sendC2CMessage({ from: 'user_a', to: 'user_b', time: now });
    const page = await roam({
      Operator_Account: 'user_a',
      Peer_Account: 'user_b',
      MaxCnt: 5,
      MinTime: 0,
      MaxTime: now,
      LastMsgKey: '1_2_3',
    });
    expect(page.MsgList.map((m) => m.MsgKey)).toEqual([sent.msgKey]);
  });

  it('cuts a page at MaxCnt and answers an empty window as complete', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 5; i++) fake.sendC2CMessage({ from: 'user_a', to: 'user_b', time: now - 5 + i });
    const page = await roam({
      Operator_Account: 'user_a',
      Peer_Account: 'user_b',
      MaxCnt: 2,
      MinTime: 0,
      MaxTime: now,
    });
    expect([page.Complete, page.MsgCnt, page.MsgList.map((m) => m.MsgTimeStamp)]).toEqual([0, 2, [now - 2, now - 1]]);
    const none = await roam({
      Operator_Account: 'user_a',
      Peer_Account: 'user_z',
      MaxCnt: 2,
      MinTime: 0,
      MaxTime: now,
    });
    expect(none).toMatchObject({ Complete: 1, MsgCnt: 0, LastMsgTime: 0, LastMsgKey: '', MsgList: [] });
  });

  it.each([
    ['no Operator_Account', { Peer_Account: 'b', MaxCnt: 1, MinTime: 0, MaxTime: 1 }],
    ['no MaxCnt', { Operator_Account: 'a', Peer_Account: 'b', MinTime: 0, MaxTime: 1 }],
    ['no MaxTime', { Operator_Account: 'a', Peer_Account: 'b', MaxCnt: 1, MinTime: 0 }],
    [
      'a LastMsgKey that is not a string',
      { Operator_Account: 'a', Peer_Account: 'b', MaxCnt: 1, MinTime: 0, MaxTime: 1, LastMsgKey: 1 },
    ],
  ])('answers %s with ErrorCode 90001', async (_name, body) => {
    await expect(roam(body)).rejects.toMatchObject({ code: 90001 });
  });
});

describe('groups (get_appid_group_list, get_group_info)', () => {
  beforeEach(() => start());

  it('lists the groups by page and by type', async () => {
    for (let i = 0; i < 3; i++) fake.createGroup({ groupId: `@TGS#public${i}` });
    fake.createGroup({ groupId: '@TGS#work', type: 'Private' });
    const list = 'group_open_http_svc/get_appid_group_list';

    const first = await api.call(list, { Limit: 3, Next: 0 });
    expect(first).toMatchObject({
      TotalCount: 4,
      GroupIdList: [{ GroupId: '@TGS#public0' }, { GroupId: '@TGS#public1' }, { GroupId: '@TGS#public2' }],
      Next: 3,
    });
    const second = await api.call(list, { Limit: 3, Next: 3 });
    expect(second).toMatchObject({ TotalCount: 4, GroupIdList: [{ GroupId: '@TGS#work' }], Next: 0 });
    const typed = await api.call(list, { GroupType: 'Private' });
    expect(typed).toMatchObject({ TotalCount: 1, GroupIdList: [{ GroupId: '@TGS#work' }], Next: 0 });
    await expect(api.call(list, { Limit: 10_001 })).rejects.toMatchObject({ code: 10004 });
  });

  it('answers each group’s Type and LastMsgTime, a missing one with its own ErrorCode', async () => {
    const topic = '@TGS#_c@TOPIC#_t';
    fake.createGroup({ groupId: '@TGS#_c', type: 'Community', topics: [topic] });
    fake.createGroup({ groupId: '@TGS#quiet', type: 'Meeting' });
    fake.sendGroupMessage({ groupId: '@TGS#_c', from: 'a', time: 1_700_000_000 });
    fake.sendGroupMessage({ groupId: '@TGS#_c', topicId: topic, from: 'a', time: 1_700_000_100 });
    const info = 'group_open_http_svc/get_group_info';

    const answer = await api.call(info, {
      GroupIdList: ['@TGS#_c', '@TGS#quiet', '@TGS#gone'],
      ResponseFilter: { GroupBaseInfoFilter: ['Type', 'LastMsgTime'] },
    });
    expect(answer.GroupInfo).toEqual([
      { GroupId: '@TGS#_c', ErrorCode: 0, ErrorInfo: '', Type: 'Community', LastMsgTime: 1_700_000_100 },
      { GroupId: '@TGS#quiet', ErrorCode: 0, ErrorInfo: '', Type: 'Meeting', LastMsgTime: 0 },
      { GroupId: '@TGS#gone', ErrorCode: 10010, ErrorInfo: expect.any(String) },
    ]);
    const unfiltered = await api.call<{ GroupInfo: Array<Record<string, unknown>> }>(info, {
      GroupIdList: ['@TGS#_c'],
    });
    expect(unfiltered.GroupInfo[0]).toMatchObject({ Type: 'Community', NextMsgSeq: 2, CreateTime: expect.any(Number) });
    const tooMany = Array.from({ length: 51 }, (_, i) => `@TGS#${i}`);
    await expect(api.call(info, { GroupIdList: tooMany })).rejects.toMatchObject({ code: 10004 });
    await expect(api.call(info, {})).rejects.toMatchObject({ code: 10004 });
  });
});

/** A UserSig-shaped string (escaped base64 of deflated JSON) around any document. */
function escapedSig(doc: unknown): string {
  return deflateSync(JSON.stringify(doc))
    .toString('base64')
    .replaceAll('+', '*')
    .replaceAll('/', '-')
    .replaceAll('=', '_');
}

describe('checks of every call', () => {
  const fakeNow = Date.now();
  beforeEach(() => start({ now: () => fakeNow }));

  async function raw(
    query: Record<string, string>,
    body = '{"GroupIdList":["@TGS#x"]}',
    path = `/v4/${'group_open_http_svc/get_group_info'}`,
  ) {
    // An empty value leaves the parameter out.
    const params = new URLSearchParams(Object.entries(query).filter(([, value]) => value !== ''));
    const response = await fetch(`${fake.baseUrl}${path}?${params}`, { method: 'POST', body });
    expect(response.status).toBe(200);
    return (await response.json()) as { ActionStatus: string; ErrorCode: number; ErrorInfo: string };
  }

  function signedQuery({
    key = SECRET_KEY,
    appId = SDK_APP_ID,
    identifier = 'administrator',
    expire = 86_400,
    query = {},
  }: { key?: string; appId?: number; identifier?: string; expire?: number; query?: Record<string, string> } = {}) {
    return {
      sdkappid: String(SDK_APP_ID),
      identifier,
      usersig: new Api(appId, key).genUserSig(identifier, expire),
      random: '12345',
      contenttype: 'json',
      ...query,
    };
  }

  it.each([
    ['a valid admin UserSig', {}, 0],
    ['another key', { key: 'other' }, 70009],
    ['another app’s UserSig', { appId: 1400000009 }, 70014],
    ['an identifier that is not the admin', { identifier: 'user_alice' }, 60010],
    ['another identifier than the UserSig’s', { query: { identifier: 'someone' } }, 70013],
    ['a UserSig that does not decode', { query: { usersig: 'not-a-sig' } }, 70003],
    ['an unknown SDKAppID', { query: { sdkappid: '1400000009' } }, 70020],
    ['no sdkappid', { query: { sdkappid: '' } }, 60012],
    ['no usersig', { query: { usersig: '' } }, 60004],
    ['no identifier', { query: { identifier: '' } }, 60004],
    ['no random', { query: { random: '' } }, 60002],
    ['a UserSig of another version', { query: { usersig: escapedSig({ 'TLS.ver': '1.0' }) } }, 70003],
    ['a UserSig that is not an object', { query: { usersig: escapedSig(1) } }, 70003],
    ['a random that is not a 32-bit unsigned integer', { query: { random: '4294967296' } }, 60002],
    ['contenttype other than json', { query: { contenttype: 'xml' } }, 60002],
  ])('%s: ErrorCode %p', async (_name, sig, code) => {
    const answer = await raw(signedQuery(sig as Parameters<typeof signedQuery>[0]));
    expect([answer.ActionStatus, answer.ErrorCode]).toEqual([code === 0 ? 'OK' : 'FAIL', code]);
  });

  it('answers a body over 1 MB with HTTP 500', async () => {
    const response = await fetch(`${fake.baseUrl}/v4/openim/admin_getroammsg`, {
      method: 'POST',
      body: 'x'.repeat(1024 * 1024 + 1),
    });
    expect(response.status).toBe(500);
  });

  it('injects faults for one command, leaving the others alone', async () => {
    fake.injectFault({ command: ROAM, errorCode: 91000, times: 1 });
    expect((await raw(signedQuery())).ErrorCode).toBe(0);
    expect((await raw(signedQuery(), '{}', `/v4/${ROAM}`)).ErrorCode).toBe(91000);
    expect((await raw(signedQuery(), '{}', `/v4/${ROAM}`)).ErrorCode).toBe(90001);
  });

  it('an expired UserSig: ErrorCode 70001', async () => {
    await fake.close();
    // A UserSig valid for 60 s, checked by a fake whose clock is an hour ahead.
    await start({ now: () => Date.now() + 3600_000 });
    expect((await raw(signedQuery({ expire: 60 }))).ErrorCode).toBe(70001);
    expect((await raw(signedQuery({ expire: 7200 }))).ErrorCode).toBe(0);
  });

  it('an unknown command, a body that is not a JSON object, a GET: the documented codes', async () => {
    expect((await raw(signedQuery(), '{}', '/v4/openim/no_such_command')).ErrorCode).toBe(60009);
    expect((await raw(signedQuery(), '{}', '/v3/whatever')).ErrorCode).toBe(60009);
    expect((await raw(signedQuery(), 'not json')).ErrorCode).toBe(60003);
    expect((await raw(signedQuery(), '[1]')).ErrorCode).toBe(60003);
    const get = await fetch(`${fake.baseUrl}/v4/openim/admin_getroammsg?${new URLSearchParams(signedQuery())}`);
    expect(await get.json()).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 60002 });
    expect(fake.calls.map((c) => c.errorCode)).toEqual([60009, 60009, 60003, 60003, 60002]);
    expect(fake.calls[0]).toMatchObject({ command: 'openim/no_such_command', body: {}, at: fakeNow });
  });

  it('answers 60007 over maxCallsPerSecond, counted per command', async () => {
    await fake.close();
    await start({ maxCallsPerSecond: 3 });
    const fast = createChatApiClient({
      sdkAppId: SDK_APP_ID,
      secretKey: SECRET_KEY,
      baseUrl: fake.baseUrl,
      maxCallsPerSecond: 1000,
      maxRetries: 0,
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => fast.call('group_open_http_svc/get_group_info', { GroupIdList: ['x'] })),
    );
    const limited = outcomes.filter((o) => o.status === 'rejected' && (o.reason as { code: number }).code === 60007);
    // Ten calls within at most two one-second windows: at most six pass.
    expect(limited.length).toBeGreaterThanOrEqual(4);
    expect(outcomes.length - limited.length).toBeGreaterThanOrEqual(1);
    // Another command has its own count.
    await expect(
      fast.call(ROAM, { Operator_Account: 'a', Peer_Account: 'b', MaxCnt: 1, MinTime: 0, MaxTime: 1 }),
    ).resolves.toMatchObject({
      ActionStatus: 'OK',
    });
  });

  it('maxCallsPerSecond 0 answers every call 60007', async () => {
    await fake.close();
    await start({ maxCallsPerSecond: 0 });
    await expect(api.call(ROAM, {})).rejects.toMatchObject({ code: 60007 });
  });

  it('checks its own options', async () => {
    await expect(startFakeChatServer({ sdkAppId: 'x', secretKey: 'k' })).rejects.toThrow(TypeError);
    await expect(startFakeChatServer({ sdkAppId: 1, secretKey: '' })).rejects.toThrow(/secretKey/);
  });
});

describe('recall webhooks', () => {
  let receiver: Server;
  let callbackUrl: string;
  const events: RecallEvent[] = [];

  beforeEach(async () => {
    events.length = 0;
    const listener = createRecallListener({
      sdkAppId: SDK_APP_ID,
      token: TOKEN,
      onRecall: (event) => {
        events.push(event);
      },
      onC2CRecall: (event) => {
        events.push(event);
      },
      onOfficialAccountRecall: (event) => {
        events.push(event);
      },
    });
    receiver = createServer((req, res) => listener(req, res));
    receiver.listen(0, '127.0.0.1');
    await new Promise((resolve) => receiver.once('listening', resolve));
    callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/tencent/callback?route=chat`;
    await start({ callbackUrl, callbackToken: TOKEN });
  });

  afterEach(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('fires Group.CallbackAfterRecallMsg, signed, for a member’s recall; the receiver takes it', async () => {
    const topic = '@TGS#_g@TOPIC#_t';
    const groupId = fake.createGroup({ groupId: '@TGS#_g', type: 'Community', topics: [topic] });
    const { msgSeq } = fake.sendGroupMessage({ groupId, topicId: topic, from: 'user_a' });

    const delivery = await fake.recallGroupMessage({ groupId, topicId: topic, msgSeq });

    expect(delivery).toMatchObject({
      command: 'Group.CallbackAfterRecallMsg',
      status: 200,
      answer: { ActionStatus: 'OK', ErrorCode: 0 },
      delivered: true,
    });
    const url = new URL(delivery.url as string);
    expect(url.searchParams.get('route')).toBe('chat');
    expect(url.searchParams.get('OptPlatform')).toBe('Android');
    expect(url.searchParams.get('Sign')).toMatch(/^[0-9a-f]{64}$/);
    expect(events).toEqual([
      expect.objectContaining({
        callbackCommand: 'Group.CallbackAfterRecallMsg',
        optPlatform: 'Android',
        groupId,
        topicId: topic,
        groupType: 'Community',
        operatorAccount: 'user_a',
        messages: [expect.objectContaining({ msgSeq })],
      }),
    ]);
    expect(fake.webhookDeliveries).toEqual([delivery]);
  });

  it('fires C2C.CallbackAfterMsgWithDraw for a sender’s recall', async () => {
    const { msgKey } = fake.sendC2CMessage({ from: 'user_a', to: 'user_b' });
    const delivery = await fake.recallC2CMessage({ from: 'user_a', to: 'user_b', msgKey });
    expect(delivery.delivered).toBe(true);
    expect(events).toEqual([
      expect.objectContaining({
        callbackCommand: 'C2C.CallbackAfterMsgWithDraw',
        fromAccount: 'user_a',
        toAccount: 'user_b',
        msgKey,
      }),
    ]);
  });

  it('fires OfficialAccount.CallbackAfterMsgWithDraw for an Official Account’s recalled messages', async () => {
    const delivery = await fake.recallOfficialAccountMessages({
      officialAccount: '@TOA#_news',
      msgKeys: ['71_1_1698741698', '72_1_1698741699'],
      optPlatform: 'RESTAPI',
    });
    expect(delivery).toMatchObject({ command: 'OfficialAccount.CallbackAfterMsgWithDraw', delivered: true });
    expect(new URL(delivery.url as string).searchParams.get('OptPlatform')).toBe('RESTAPI');
    expect(delivery.body).toEqual({
      CallbackCommand: 'OfficialAccount.CallbackAfterMsgWithDraw',
      Official_Account: '@TOA#_news',
      WithdrawMsgList: [{ MsgKey: '71_1_1698741698' }, { MsgKey: '72_1_1698741699' }],
      EventTime: expect.any(Number),
    });
    expect(events).toEqual([
      expect.objectContaining({
        callbackCommand: 'OfficialAccount.CallbackAfterMsgWithDraw',
        officialAccount: '@TOA#_news',
        messages: [{ msgKey: '71_1_1698741698' }, { msgKey: '72_1_1698741699' }],
        optPlatform: 'RESTAPI',
      }),
    ]);
  });

  it('REST recalls (group_msg_recall, admin_msgwithdraw) fire with OptPlatform RESTAPI and the admin as operator', async () => {
    const groupId = fake.createGroup({ groupId: '@TGS#rest' });
    const seqs = [1, 2, 3].map(() => fake.sendGroupMessage({ groupId, from: 'user_a' }).msgSeq);
    fake.deleteGroupMessage({ groupId, msgSeq: 3 });
    const { msgKey } = fake.sendC2CMessage({ from: 'user_a', to: 'user_b' });

    const recall = await api.call('group_open_http_svc/group_msg_recall', {
      GroupId: groupId,
      MsgSeqList: [...seqs, 9].map((MsgSeq) => ({ MsgSeq })),
      Reason: 'spam',
    });
    expect(recall.RecallRetList).toEqual([
      { MsgSeq: 1, RetCode: 0 },
      { MsgSeq: 2, RetCode: 0 },
      { MsgSeq: 3, RetCode: 10030 },
      { MsgSeq: 9, RetCode: 10030 },
    ]);
    await api.call('openim/admin_msgwithdraw', { From_Account: 'user_a', To_Account: 'user_b', MsgKey: msgKey });
    await fake.webhooksSettled();

    expect(
      fake.webhookDeliveries.map((d) => [
        d.command,
        new URL(d.url as string).searchParams.get('OptPlatform'),
        d.delivered,
      ]),
    ).toEqual([
      ['Group.CallbackAfterRecallMsg', 'RESTAPI', true],
      ['C2C.CallbackAfterMsgWithDraw', 'RESTAPI', true],
    ]);
    expect(events[0]).toMatchObject({
      operatorAccount: 'administrator',
      messages: [expect.objectContaining({ msgSeq: 1 }), expect.objectContaining({ msgSeq: 2 })],
    });
    // History shows the recall too.
    const history = await api.call<HistoryAnswer>(HISTORY, { GroupId: groupId, ReqMsgNumber: 3, WithRecalledMsg: 1 });
    expect(history.RspMsgList.map((m) => m.IsPlaceMsg)).toEqual([1, 2, 2]);
  });

  it('answers the documented codes of admin_msgwithdraw and group_msg_recall', async () => {
    const { msgKey } = fake.sendC2CMessage({ from: 'user_a', to: 'user_b' });
    const withdraw = (body: object) => api.call('openim/admin_msgwithdraw', body);
    await withdraw({ From_Account: 'user_a', To_Account: 'user_b', MsgKey: msgKey });
    await expect(withdraw({ From_Account: 'user_a', To_Account: 'user_b', MsgKey: msgKey })).rejects.toMatchObject({
      code: 20023,
    });
    await expect(withdraw({ From_Account: 'user_b', To_Account: 'user_a', MsgKey: msgKey })).rejects.toMatchObject({
      code: 20022,
    });
    await expect(withdraw({ From_Account: 'user_a', To_Account: 'user_b', MsgKey: 'abc' })).rejects.toMatchObject({
      code: 90054,
    });
    await expect(withdraw({ To_Account: 'user_b', MsgKey: msgKey })).rejects.toMatchObject({ code: 90008 });
    await expect(withdraw({ From_Account: 'user_a', MsgKey: msgKey })).rejects.toMatchObject({ code: 90003 });
    const recall = (body: object) => api.call('group_open_http_svc/group_msg_recall', body);
    fake.createGroup({ groupId: '@TGS#r' });
    await expect(recall({ GroupId: '@TGS#none', MsgSeqList: [{ MsgSeq: 1 }] })).rejects.toMatchObject({ code: 10010 });
    await expect(recall({ GroupId: '@TGS#r', MsgSeqList: [] })).rejects.toMatchObject({ code: 10004 });
    await expect(recall({ GroupId: '@TGS#r', MsgSeqList: [null] })).rejects.toMatchObject({ code: 10004 });
    await expect(recall({ GroupId: '@TGS#r', MsgSeqList: [{ MsgSeq: 0 }] })).rejects.toMatchObject({ code: 10004 });
    await expect(recall({ GroupId: '@TGS#r', MsgSeqList: [{ MsgSeq: 1 }], TopicId: 't' })).rejects.toMatchObject({
      code: 10004,
    });
    // Nothing recalled, nothing fired.
    await expect(recall({ GroupId: '@TGS#r', MsgSeqList: [{ MsgSeq: 1 }] })).resolves.toMatchObject({
      RecallRetList: [{ MsgSeq: 1, RetCode: 10030 }],
    });
    await fake.webhooksSettled();
    expect(fake.webhookDeliveries).toHaveLength(1);
  });

  it('records what it could not deliver (no URL, receiver down) and delivers again once the receiver is back', async () => {
    const groupId = fake.createGroup();
    const seqs = [1, 2, 3].map(() => fake.sendGroupMessage({ groupId, from: 'user_a' }).msgSeq);

    fake.setCallbackUrl(undefined);
    const unset = await fake.recallGroupMessage({ groupId, msgSeq: seqs[0] });
    fake.setCallbackUrl('http://127.0.0.1:1/closed');
    const down = await fake.recallGroupMessage({ groupId, msgSeq: seqs[1] });
    fake.setCallbackUrl(callbackUrl);
    const back = await fake.recallGroupMessage({ groupId, msgSeq: seqs[2] });

    expect(unset).toMatchObject({ url: undefined, delivered: false, error: 'no callback URL' });
    expect(down).toMatchObject({ delivered: false, error: expect.stringContaining('fetch failed') });
    expect(down.status).toBeUndefined();
    expect(back).toMatchObject({ delivered: true, status: 200 });
    expect(events).toEqual([expect.objectContaining({ messages: [expect.objectContaining({ msgSeq: seqs[2] })] })]);
    expect(fake.webhookDeliveries).toEqual([unset, down, back]);
  });

  it('a receiver with another token refuses the webhook: recorded as not delivered', async () => {
    const other = await startFakeChatServer({
      sdkAppId: SDK_APP_ID,
      secretKey: SECRET_KEY,
      callbackUrl,
      callbackToken: 'wrong-token',
    });
    try {
      const { msgKey } = other.sendC2CMessage({ from: 'user_a', to: 'user_b' });
      const refused = await other.recallC2CMessage({ from: 'user_a', to: 'user_b', msgKey });
      expect(refused).toMatchObject({ delivered: false, status: 401, answer: { ActionStatus: 'FAIL' } });
      expect(events).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('answers with status 200 and a text body count as not delivered', async () => {
    const plain = createServer((_req, res) => res.end('ok'));
    plain.listen(0, '127.0.0.1');
    await new Promise((resolve) => plain.once('listening', resolve));
    try {
      fake.setCallbackUrl(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/`);
      const { msgKey } = fake.sendC2CMessage({ from: 'user_a', to: 'user_b' });
      const delivery = await fake.recallC2CMessage({ from: 'user_a', to: 'user_b', msgKey });
      expect(delivery).toMatchObject({ status: 200, answer: 'ok', delivered: false });
    } finally {
      plain.closeAllConnections();
      await new Promise((resolve) => plain.close(resolve));
    }
  });
});
