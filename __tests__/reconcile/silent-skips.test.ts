/**
 * Never a silent skip: each history answer that used to end a pass early, or drop a recall
 * without a word, is read or reported; each cursor that does not advance ends its conversation
 * as failed, with a reason; the tracing channel hears counts, never history or Tencent's texts.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { GROUP_INFO_COMMAND, GROUP_LIST_COMMAND, listActiveGroups } from '../../lib/reconcile/active-groups';
import {
  C2C_HISTORY_COMMAND,
  GROUP_HISTORY_COMMAND,
  HistoryPagingError,
  UnreadableHistoryError,
} from '../../lib/reconcile/reconcile';
import { recallId, scriptedFakeApp } from './scenario';

jest.setTimeout(30_000);

describe('a reconciliation pass never skips in silence', () => {
  const scripted = scriptedFakeApp();
  const { delivered, pass, answerNext } = scripted;
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  it('reads on past an old message on the first page (an imported one, a skewed clock)', async () => {
    const group = scripted.app.fake.createGroup();
    const recent = [];
    for (let i = 0; i < 30; i++)
      recent.push(scripted.app.fake.sendGroupMessage({ groupId: group, from: 'alice' }).msgSeq);
    // Seq 31: an imported message with a send time from a year ago, the newest by MsgSeq.
    scripted.app.fake.sendGroupMessage({ groupId: group, from: 'importer', time: nowSeconds() - 365 * 24 * 3600 });
    await scripted.app.fake.recallGroupMessage({ groupId: group, msgSeq: recent[2] });
    const report = await pass({ groups: [group] });
    expect(delivered.map(recallId)).toEqual([`group ${group}/ ${recent[2]}`]);
    expect(report).toMatchObject({ scanned: { groups: 1 }, delivered: 1, unreadable: 0, failed: [] });
  });

  it('reads IsPlaceMsg, MsgSeq and MsgTimeStamp sent as numeric strings', async () => {
    const sent = String(nowSeconds() - 60);
    answerNext(GROUP_HISTORY_COMMAND, {
      RspMsgList: [{ From_Account: 'alice', IsPlaceMsg: '2', MsgSeq: '1', MsgTimeStamp: sent }],
    });
    const report = await pass({ groups: ['@TGS#strings'] });
    expect(delivered).toEqual([
      expect.objectContaining({ groupId: '@TGS#strings', messages: [{ msgSeq: 1 }], sentTime: Number(sent) * 1000 }),
    ]);
    expect(report).toMatchObject({ scanned: { groups: 1 }, delivered: 1, failed: [] });
  });

  it.each([
    ['an entry without MsgSeq', { From_Account: 'bob', IsPlaceMsg: 2, MsgTimeStamp: 'now' }, /without a MsgSeq/],
    [
      'a recalled entry with MsgTimeStamp 0',
      { From_Account: 'bob', IsPlaceMsg: 2, MsgSeq: 7, MsgTimeStamp: 0 },
      /recalled MsgSeq 7 has no MsgTimeStamp/,
    ],
    [
      'a recalled entry without MsgTimeStamp',
      { From_Account: 'bob', IsPlaceMsg: 2, MsgSeq: 7 },
      /recalled MsgSeq 7 has no MsgTimeStamp/,
    ],
  ])('counts %s as unreadable and fails its group', async (_name, entry: Record<string, unknown>, reason) => {
    const readable = { From_Account: 'alice', IsPlaceMsg: 0, MsgSeq: 1, MsgTimeStamp: nowSeconds() - 30 };
    const withTime = entry.MsgTimeStamp === 'now' ? { ...entry, MsgTimeStamp: nowSeconds() - 20 } : entry;
    answerNext(GROUP_HISTORY_COMMAND, { RspMsgList: [withTime, readable] });
    const report = await pass({ groups: ['@TGS#odd'] });
    expect(report).toMatchObject({ scanned: { groups: 0 }, unreadable: 1 });
    expect(report.failed).toEqual([
      expect.objectContaining({
        conversation: { kind: 'group', groupId: '@TGS#odd' },
        error: expect.any(UnreadableHistoryError),
        reason: expect.stringMatching(reason),
        permanent: false,
      }),
    ]);
  });

  it('fails a group whose answer does not move below ReqMsgSeq', async () => {
    const page = (from: number) =>
      Array.from({ length: 20 }, (_, i) => ({
        From_Account: 'alice',
        IsPlaceMsg: 0,
        MsgSeq: from - i,
        MsgTimeStamp: nowSeconds() - 10,
      }));
    answerNext(GROUP_HISTORY_COMMAND, { RspMsgList: page(100) });
    answerNext(GROUP_HISTORY_COMMAND, { RspMsgList: page(100) });
    const report = await pass({ groups: ['@TGS#stuck'] });
    expect(report.calls).toBe(2);
    expect(report.failed).toEqual([
      expect.objectContaining({
        error: expect.any(HistoryPagingError),
        reason: 'the answer to ReqMsgSeq 80 holds no message at or below it: paging does not advance',
      }),
    ]);
  });

  it('bounds a group that answers one message a page with maxPagesPerConversation', async () => {
    for (let seq = 50; seq > 45; seq--) {
      answerNext(GROUP_HISTORY_COMMAND, {
        RspMsgList: [{ From_Account: 'a', IsPlaceMsg: 0, MsgSeq: seq, MsgTimeStamp: nowSeconds() - 5 }],
      });
    }
    const report = await pass({ groups: ['@TGS#slow'], maxPagesPerConversation: 5 });
    expect(report.calls).toBe(5);
    expect(report.failed[0].reason).toMatch(/^stopped after 5 pages \(maxPagesPerConversation\)/);
  });

  it('fails a one-to-one conversation whose LastMsgKey alternates', async () => {
    const entry = (key: string) => ({
      From_Account: 'alice',
      To_Account: 'bob',
      MsgKey: key,
      MsgFlagBits: 0,
      MsgTimeStamp: nowSeconds() - 10,
    });
    for (const key of ['1_1_1', '2_2_2', '1_1_1']) {
      answerNext(C2C_HISTORY_COMMAND, {
        Complete: 0,
        LastMsgKey: key,
        LastMsgTime: nowSeconds() - 10,
        MsgList: [entry(key)],
      });
    }
    const report = await pass({ conversations: [{ account: 'alice', peer: 'bob' }] });
    expect(report.calls).toBe(3);
    expect(report.failed).toEqual([
      expect.objectContaining({
        conversation: { kind: 'c2c', account: 'alice', peer: 'bob' },
        reason: 'LastMsgKey 1_1_1 came back again: paging does not advance',
      }),
    ]);
  });

  it('reads MsgFlagBits and Complete sent as strings, and fails a recalled one-to-one entry without a send time', async () => {
    answerNext(C2C_HISTORY_COMMAND, {
      Complete: '1',
      MsgList: [
        { From_Account: 'alice', To_Account: 'bob', MsgKey: '9_9_9', MsgFlagBits: '8', MsgTimeStamp: nowSeconds() - 5 },
        { From_Account: 'alice', To_Account: 'bob', MsgKey: '8_8_8', MsgFlagBits: 8, MsgTimeStamp: 0 },
      ],
    });
    const report = await pass({ conversations: [{ account: 'alice', peer: 'bob' }] });
    expect(delivered).toEqual([expect.objectContaining({ msgKey: '9_9_9' })]);
    expect(report).toMatchObject({ delivered: 1, unreadable: 1, scanned: { conversations: 0 } });
    expect(report.failed[0].reason).toMatch(/recalled MsgKey 8_8_8 has no MsgTimeStamp/);
  });

  it('ends listActiveGroups with an error when get_appid_group_list answers a Next that does not advance', async () => {
    answerNext(GROUP_LIST_COMMAND, { GroupIdList: [{ GroupId: '@TGS#gone' }], Next: 5 });
    answerNext(GROUP_INFO_COMMAND, { GroupInfo: [] });
    answerNext(GROUP_LIST_COMMAND, { GroupIdList: [{ GroupId: '@TGS#gone' }], Next: 5 });
    answerNext(GROUP_INFO_COMMAND, { GroupInfo: [] });
    const listed: unknown[] = [];
    await expect(
      (async () => {
        for await (const group of listActiveGroups(scripted.app.client, { since: Date.now() })) listed.push(group);
      })(),
    ).rejects.toThrow('get_appid_group_list answered Next 5 twice: the group list does not advance');
  });

  it("keeps history entries and Tencent's ErrorInfo out of the tracing channel's context", async () => {
    const seen: object[] = [];
    const record = (context: object) => void seen.push({ ...context });
    const subscribers = { asyncEnd: record, error: record };
    const channel = tracingChannel('tencent-chat-recall-webhook:reconcile');
    channel.subscribe(subscribers as never);
    try {
      answerNext(GROUP_HISTORY_COMMAND, {
        RspMsgList: [{ From_Account: 'secret-sender', IsPlaceMsg: 2, MsgSeq: 1, MsgTimeStamp: nowSeconds() - 5 }],
      });
      await pass({ groups: ['@TGS#traced'] });
      scripted.app.fake.injectFault({
        command: GROUP_LIST_COMMAND,
        errorCode: 60009,
        errorInfo: 'private detail of the app',
      });
      await expect(pass({ groups: listActiveGroups(scripted.app.client, { since: Date.now() }) })).rejects.toThrow(
        /private detail of the app/,
      );
    } finally {
      channel.unsubscribe(subscribers as never);
    }
    const text = JSON.stringify(seen, (_key, value: unknown) =>
      value instanceof Error ? `${value.name}: ${value.message}` : value,
    );
    expect(text).not.toMatch(/secret-sender|private detail/);
    expect(seen[0]).toMatchObject({ outcome: 'ok', recovered: 1 });
    expect(seen.slice(1)).toContainEqual(
      expect.objectContaining({
        outcome: 'failed',
        error: expect.objectContaining({ name: 'ChatApiError', message: expect.stringContaining('ErrorCode 60009') }),
      }),
    );
  });
});
