import { signRequestTime } from './signature';
import { RECALL_COMMAND, type GroupRecallCallbackBody, type OptPlatform } from './types';

export { signRequestTime };

/** The demo SDKAppID the example server and the simulator use by default. */
export const DEMO_SDK_APP_ID = 1400000000;

let nextMsgSeq = 100;

/**
 * A valid `Group.CallbackAfterRecallMsg` wire body with realistic defaults: a Community group
 * with a topic, one recalled message with its MsgId, EventTime now (as a string, like most of
 * Tencent's samples). `overrides` are merged over the defaults.
 */
export function createRecallEvent(overrides: Partial<GroupRecallCallbackBody> = {}): GroupRecallCallbackBody {
  const eventTime = Date.now();
  const msgSeq = nextMsgSeq++;
  return {
    CallbackCommand: RECALL_COMMAND,
    Operator_Account: 'user_alice',
    Type: 'Community',
    GroupId: '@TGS#_@TGS#cQVLVHIM62CJ',
    MsgSeqList: [
      { MsgSeq: msgSeq, MsgId: `144115213033478435-${Math.floor(eventTime / 1000)}-${2512805311 + msgSeq}` },
    ],
    TopicId: '@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_TestTopic',
    EventTime: String(eventTime),
    ...overrides,
  };
}

export interface CallbackQueryOptions {
  /** Signs the query with this token (adds `Sign` and `RequestTime`). */
  token?: string;
  /** Signing time in ms since the epoch; default now. */
  timestamp?: number;
  clientIp?: string;
  optPlatform?: OptPlatform;
  /** The command in the query; default `Group.CallbackAfterRecallMsg`. */
  callbackCommand?: string;
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
    ClientIP: options.clientIp ?? '127.0.0.1',
    OptPlatform: options.optPlatform ?? 'Android',
  };
  if (options.token !== undefined) {
    const requestTime = Math.floor((options.timestamp ?? Date.now()) / 1000);
    query.RequestTime = String(requestTime);
    query.Sign = signRequestTime(options.token, requestTime);
  }
  return query;
}
