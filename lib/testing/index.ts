import { signRequestTime } from '../protocol/signature';
import {
  C2C_RECALL_COMMAND,
  RECALL_COMMAND,
  type C2CRecallCallbackBody,
  type GroupRecallCallbackBody,
  type OptPlatform,
  type RecalledMessageWire,
} from '../protocol/types';

export { signRequestTime };

/** The demo SDKAppID the example server and the simulator use by default. */
export const DEMO_SDK_APP_ID = 1400000000;

const DEMO_OPERATOR_ACCOUNT = 'user_alice';
const DEMO_RECIPIENT_ACCOUNT = 'user_bob';
const DEMO_UNREAD_MSG_NUM = 1;
// Community group IDs start with `@TGS#_`; a topic's ID is its community's ID plus `@TOPIC#_<name>`.
const DEMO_COMMUNITY_ID = '@TGS#_@TGS#cQVLVHIM62CJ';
const DEMO_TOPIC_SUFFIX = '@TOPIC#_TestTopic';
const DEMO_GROUP_ID = '@TGS#2J4SZEAEL';
const DEMO_SENDER_TINY_ID = '144115213033478435';
const DEMO_CLIENT_IP = '127.0.0.1';
const DEMO_OPT_PLATFORM: OptPlatform = 'Android';

let nextMsgSeq = 100;
// One-to-one MsgSeqs are per conversation and much larger than group ones; 48374 is the one in
// Tencent's sample MsgKey.
let nextC2CMsgSeq = 48374;

/**
 * Fields to put over `createRecallEvent`'s defaults. A field set to `undefined` is left out of
 * the body, so `{ TopicId: undefined }` makes a community recall outside any topic.
 */
export type RecallEventOverrides = {
  [Field in keyof GroupRecallCallbackBody]?: GroupRecallCallbackBody[Field] | undefined;
};

/**
 * A valid `Group.CallbackAfterRecallMsg` wire body with realistic defaults: a Community group
 * with a topic, one recalled message with a new MsgSeq and its MsgId, EventTime now (as a string,
 * like most of Tencent's samples). With `Type` other than `Community` the default group is an
 * ordinary group and there is no topic: `createRecallEvent({ Type: 'Public' })`. `overrides` are
 * merged over the defaults; `createMsgSeqList` builds a `MsgSeqList` of several messages.
 */
export function createRecallEvent(overrides: RecallEventOverrides = {}): GroupRecallCallbackBody {
  const eventTime = Date.now();
  const type = overrides.Type ?? 'Community';
  const groupId = overrides.GroupId ?? (type === 'Community' ? DEMO_COMMUNITY_ID : DEMO_GROUP_ID);
  const body: GroupRecallCallbackBody = {
    CallbackCommand: RECALL_COMMAND,
    Operator_Account: DEMO_OPERATOR_ACCOUNT,
    Type: type,
    GroupId: groupId,
    MsgSeqList: overrides.MsgSeqList ?? createMsgSeqList([nextMsgSeq++], eventTime),
    ...(type === 'Community' && { TopicId: groupId + DEMO_TOPIC_SUFFIX }),
    EventTime: String(eventTime),
    ...overrides,
  };
  return withoutUndefinedFields(body);
}

/**
 * Fields to put over `createC2CRecallEvent`'s defaults. A field set to `undefined` is left out of
 * the body, so `{ EventTime: undefined }` is the English page's sample and `{ UnreadMsgNum: undefined }`
 * the Chinese page's.
 */
export type C2CRecallEventOverrides = {
  [Field in keyof C2CRecallCallbackBody]?: C2CRecallCallbackBody[Field] | undefined;
};

/**
 * A valid `C2C.CallbackAfterMsgWithDraw` wire body with realistic defaults: a message from
 * `user_alice` to `user_bob` with a new MsgKey in Tencent's format (`<MsgSeq>_<MsgRandom>_<send
 * time in s>`, as `admin_getroammsg` returns it and `admin_msgwithdraw` takes it), `UnreadMsgNum`
 * (the English page's field) and `EventTime` now as a number (the Chinese page's). `overrides`
 * are merged over the defaults.
 */
export function createC2CRecallEvent(overrides: C2CRecallEventOverrides = {}): C2CRecallCallbackBody {
  const eventTime = Date.now();
  const body: C2CRecallCallbackBody = {
    CallbackCommand: C2C_RECALL_COMMAND,
    From_Account: DEMO_OPERATOR_ACCOUNT,
    To_Account: DEMO_RECIPIENT_ACCOUNT,
    MsgKey: createMsgKey(nextC2CMsgSeq++, eventTime),
    UnreadMsgNum: DEMO_UNREAD_MSG_NUM,
    EventTime: eventTime,
    ...overrides,
  };
  return withoutUndefinedFields(body);
}

// The MsgRandom is derived from the MsgSeq so that a key is stable for a given message.
function createMsgKey(msgSeq: number, sentAt: number): string {
  return `${msgSeq}_${2837546 + msgSeq}_${Math.floor(sentAt / 1000)}`;
}

function withoutUndefinedFields<Body extends Record<string, unknown>>(body: Body): Body {
  for (const [field, value] of Object.entries(body)) {
    if (value === undefined) delete body[field];
  }
  return body;
}

/**
 * A `MsgSeqList` for the given MsgSeqs, each with a MsgId in Tencent's format
 * (`<sender>-<send time in s>-<random>`, here derived from the MsgSeq so it is stable).
 */
export function createMsgSeqList(msgSeqs: readonly number[], sentAt: number = Date.now()): RecalledMessageWire[] {
  const sentAtSeconds = Math.floor(sentAt / 1000);
  return msgSeqs.map((msgSeq) => ({
    MsgSeq: msgSeq,
    MsgId: `${DEMO_SENDER_TINY_ID}-${sentAtSeconds}-${2512805311 + msgSeq}`,
  }));
}

export interface CallbackQueryOptions {
  /** Signs the query with this token (adds `Sign` and `RequestTime`). */
  token?: string | undefined;
  /** Signing time in ms since the epoch; default now. */
  timestamp?: number | undefined;
  /** Default `127.0.0.1`. */
  clientIp?: string | undefined;
  /** Default `Android`. */
  optPlatform?: OptPlatform | undefined;
  /**
   * The command in the query; default `Group.CallbackAfterRecallMsg`. `C2C.CallbackAfterMsgWithDraw`
   * (`C2C_RECALL_COMMAND`) goes with `createC2CRecallEvent`; any other command is sent as given.
   */
  callbackCommand?: typeof RECALL_COMMAND | typeof C2C_RECALL_COMMAND | (string & {}) | undefined;
}

/**
 * The query Tencent puts on the callback URL, as a plain object for supertest's `.query()`;
 * `new URLSearchParams(createCallbackQuery(…))` makes it a URL's search string.
 */
export function createCallbackQuery(
  sdkAppId: number | string,
  options: CallbackQueryOptions = {},
): Record<string, string> {
  const query: Record<string, string> = {
    SdkAppid: String(sdkAppId),
    CallbackCommand: options.callbackCommand ?? RECALL_COMMAND,
    contenttype: 'json',
    ClientIP: options.clientIp ?? DEMO_CLIENT_IP,
    OptPlatform: options.optPlatform ?? DEMO_OPT_PLATFORM,
  };
  if (options.token !== undefined) {
    const requestTime = Math.floor((options.timestamp ?? Date.now()) / 1000);
    query.RequestTime = String(requestTime);
    query.Sign = signRequestTime(options.token, requestTime);
  }
  return query;
}
