import { signRequestTime } from './signature';
import { RECALL_COMMAND, type GroupRecallCallbackBody, type OptPlatform, type RecalledMessageWire } from './types';

export { signRequestTime };

/** The demo SDKAppID the example server and the simulator use by default. */
export const DEMO_SDK_APP_ID = 1400000000;

const DEMO_OPERATOR_ACCOUNT = 'user_alice';
// Community group IDs start with `@TGS#_`; a topic's ID is its community's ID plus `@TOPIC#_<name>`.
const DEMO_COMMUNITY_ID = '@TGS#_@TGS#cQVLVHIM62CJ';
const DEMO_TOPIC_SUFFIX = '@TOPIC#_TestTopic';
const DEMO_GROUP_ID = '@TGS#2J4SZEAEL';
const DEMO_SENDER_TINY_ID = '144115213033478435';
const DEMO_CLIENT_IP = '127.0.0.1';
const DEMO_OPT_PLATFORM: OptPlatform = 'Android';

let nextMsgSeq = 100;

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
  /** The command in the query; default `Group.CallbackAfterRecallMsg`. */
  callbackCommand?: string | undefined;
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
