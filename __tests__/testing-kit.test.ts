/** The kit's group shapes and message lists, and its `tencent-chat-recall-webhook/testing` entry point. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { assertRecallBody } from '../lib/event';
import { createMsgSeqList, createRecallEvent } from '../lib/testing';
import { requireBuild } from './support/build';

describe('createRecallEvent group shapes', () => {
  it('gives a Community group a topic of that community by default', () => {
    const event = createRecallEvent({ GroupId: '@TGS#_@TGS#community2' });
    expect(event.Type).toBe('Community');
    expect(event.TopicId).toBe('@TGS#_@TGS#community2@TOPIC#_TestTopic');
  });

  it.each(['Public', 'Private', 'ChatRoom', 'AVChatRoom'])(
    'gives a %s group no topic and a non-community ID',
    (type) => {
      const event = createRecallEvent({ Type: type });
      expect(() => assertRecallBody(event)).not.toThrow();
      expect(event.Type).toBe(type);
      expect('TopicId' in event).toBe(false);
      expect(event.GroupId).toMatch(/^@TGS#[^_]/);
    },
  );

  it('leaves out a field overridden with undefined', () => {
    const event = createRecallEvent({ TopicId: undefined });
    expect(() => assertRecallBody(event)).not.toThrow();
    expect(Object.keys(event)).not.toContain('TopicId');
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
  });

  it('takes a topic on any group type', () => {
    expect(createRecallEvent({ Type: 'Public', TopicId: 't' }).TopicId).toBe('t');
  });
});

describe('createMsgSeqList', () => {
  it('lists each MsgSeq with a MsgId in Tencent’s format, sent at the given time', () => {
    const list = createMsgSeqList([130, 131, 7], 1739361321999);
    expect(list.map((message) => message.MsgSeq)).toEqual([130, 131, 7]);
    for (const message of list) expect(message.MsgId).toMatch(/^144115213033478435-1739361321-\d+$/);
    expect(new Set(list.map((message) => message.MsgId)).size).toBe(3);
  });

  it('builds a several-message recall the schema accepts', () => {
    const event = createRecallEvent({ MsgSeqList: createMsgSeqList([1, 2, 3]) });
    expect(() => assertRecallBody(event)).not.toThrow();
    expect(event.MsgSeqList).toHaveLength(3);
  });
});

describe('the tencent-chat-recall-webhook/testing entry point', () => {
  beforeAll(requireBuild);

  // Node resolves the package's own name through its "exports", as it does in a user's project.
  const script = `
    const kit = require('tencent-chat-recall-webhook/testing');
    import('tencent-chat-recall-webhook/testing').then((esm) => {
      const body = kit.createRecallEvent({ Type: 'Public', MsgSeqList: esm.createMsgSeqList([5]) });
      const query = esm.createCallbackQuery(kit.DEMO_SDK_APP_ID, { token: 'xxxxyyyy', timestamp: 1669872112000 });
      console.log(JSON.stringify({ type: body.Type, seq: body.MsgSeqList[0].MsgSeq, sign: query.Sign }));
    });
  `;

  it('loads from the build through require and import', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: resolve(__dirname, '..') });
    expect(JSON.parse(stdout)).toEqual({
      type: 'Public',
      seq: 5,
      sign: '17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061',
    });
  });
});
