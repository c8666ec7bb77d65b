import { signRequestTime } from '../protocol/signature';
import {
  C2C_RECALL_COMMAND,
  GROUP_RECALL_COMMAND,
  OFFICIAL_ACCOUNT_RECALL_COMMAND,
  type C2CRecallCallbackBody,
  type GroupRecallCallbackBody,
  type OfficialAccountRecallCallbackBody,
  type OptPlatform,
  type RecallCommand,
  type RecallEventOf,
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
// Official Account IDs start with `@TOA#_`, as in Tencent's samples.
const DEMO_OFFICIAL_ACCOUNT = '@TOA#_15ERQPAER';

let nextMsgSeq = 100;
// One-to-one MsgSeqs are per conversation and much larger than group ones; 48374 is the one in
// Tencent's sample MsgKey.
let nextC2CMsgSeq = 48374;
// 71 is the Seq in Tencent's sample Official Account MsgKey.
let nextOfficialAccountSeq = 71;

/** Fields to put over a builder's defaults. A field set to `undefined` is left out of the body. */
export type BodyOverrides<Body> = { [Field in keyof Body]?: Body[Field] | undefined };

/**
 * Fields to put over `createGroupRecallEvent`'s defaults. A field set to `undefined` is left out of
 * the body, so `{ TopicId: undefined }` makes a community recall outside any topic.
 */
export type GroupRecallEventOverrides = BodyOverrides<GroupRecallCallbackBody>;
/** `GroupRecallEventOverrides` under the name it had before there were other recalls. */
export type RecallEventOverrides = GroupRecallEventOverrides;

/**
 * A valid `Group.CallbackAfterRecallMsg` wire body with realistic defaults: a Community group
 * with a topic, one recalled message with a new MsgSeq and its MsgId, EventTime now (as a string,
 * like most of Tencent's samples). With `Type` other than `Community` the default group is an
 * ordinary group and there is no topic: `createGroupRecallEvent({ Type: 'Public' })`. `overrides`
 * are merged over the defaults; `createMsgSeqList` builds a `MsgSeqList` of several messages.
 */
export function createGroupRecallEvent(overrides: GroupRecallEventOverrides = {}): GroupRecallCallbackBody {
  const eventTime = Date.now();
  const type = overrides.Type ?? 'Community';
  const groupId = overrides.GroupId ?? (type === 'Community' ? DEMO_COMMUNITY_ID : DEMO_GROUP_ID);
  const body: GroupRecallCallbackBody = {
    CallbackCommand: GROUP_RECALL_COMMAND,
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

/** `createGroupRecallEvent` under the name it had before there were other recalls. */
export const createRecallEvent = createGroupRecallEvent;

/**
 * Fields to put over `createC2CRecallEvent`'s defaults. A field set to `undefined` is left out of
 * the body, so `{ EventTime: undefined }` is the English page's sample and `{ UnreadMsgNum: undefined }`
 * the Chinese page's.
 */
export type C2CRecallEventOverrides = BodyOverrides<C2CRecallCallbackBody>;

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

/** Fields to put over `createOfficialAccountRecallEvent`'s defaults; `undefined` leaves a field out. */
export type OfficialAccountRecallEventOverrides = BodyOverrides<OfficialAccountRecallCallbackBody>;

/**
 * A valid `OfficialAccount.CallbackAfterMsgWithDraw` wire body with realistic defaults: one
 * recalled message of the Official Account `@TOA#_15ERQPAER` with a new MsgKey in Tencent's format
 * (`<Seq>_1_<server time in s>`), EventTime now as a number, as in Tencent's sample. `overrides`
 * are merged over the defaults; `createWithdrawMsgList` builds a list of several messages.
 */
export function createOfficialAccountRecallEvent(
  overrides: OfficialAccountRecallEventOverrides = {},
): OfficialAccountRecallCallbackBody {
  const eventTime = Date.now();
  const body: OfficialAccountRecallCallbackBody = {
    CallbackCommand: OFFICIAL_ACCOUNT_RECALL_COMMAND,
    Official_Account: DEMO_OFFICIAL_ACCOUNT,
    WithdrawMsgList: createWithdrawMsgList([nextOfficialAccountSeq++], eventTime),
    EventTime: eventTime,
    ...overrides,
  };
  return withoutUndefinedFields(body);
}

/** A `WithdrawMsgList` for the given Seqs, each with its MsgKey (`<Seq>_1_<server time in s>`). */
export function createWithdrawMsgList(seqs: readonly number[], sentAt: number = Date.now()): Array<{ MsgKey: string }> {
  const sentAtSeconds = Math.floor(sentAt / 1000);
  return seqs.map((seq) => ({ MsgKey: `${seq}_1_${sentAtSeconds}` }));
}

/** The wire body of one command's recall. */
export type RecallCallbackBodyOf<Command extends RecallCommand> = RecallEventOf<Command>['raw'];

/**
 * One builder per recall command, keyed by `CallbackCommand`: `RECALL_BODY_BUILDERS[command]()`
 * makes a valid body of any kind, for tests that run over every command.
 */
export const RECALL_BODY_BUILDERS: {
  readonly [Command in RecallCommand]: (
    overrides?: BodyOverrides<RecallCallbackBodyOf<Command>>,
  ) => RecallCallbackBodyOf<Command>;
} = {
  [GROUP_RECALL_COMMAND]: createGroupRecallEvent,
  [C2C_RECALL_COMMAND]: createC2CRecallEvent,
  [OFFICIAL_ACCOUNT_RECALL_COMMAND]: createOfficialAccountRecallEvent,
};

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
   * The command in the query; default `Group.CallbackAfterRecallMsg`. Each recall command goes with
   * its builder (`C2C_RECALL_COMMAND` with `createC2CRecallEvent`, …); any other command is sent as given.
   */
  callbackCommand?: RecallCommand | (string & {}) | undefined;
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
    CallbackCommand: options.callbackCommand ?? GROUP_RECALL_COMMAND,
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
