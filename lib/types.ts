/** The `CallbackCommand` of the event this package handles. */
export const RECALL_COMMAND = 'Group.CallbackAfterRecallMsg';

/** Group types Tencent documents; any other string is accepted too. */
export type KnownGroupType = 'Private' | 'Public' | 'ChatRoom' | 'AVChatRoom' | 'Community' | 'BChatRoom';
// `string & {}` keeps editor completion for the known names while accepting any string.
export type GroupType = KnownGroupType | (string & {});

/** Client platforms Tencent documents in `OptPlatform`; any other string is accepted too. */
export type KnownOptPlatform = 'RESTAPI' | 'Web' | 'Android' | 'iOS' | 'Windows' | 'Mac' | 'iPad' | 'Unknown';
export type OptPlatform = KnownOptPlatform | (string & {});

/** One recalled message as it appears in the wire body's `MsgSeqList`. */
export interface RecalledMessageWire {
  MsgSeq: number;
  MsgId?: string;
  [field: string]: unknown;
}

/** The body of a `Group.CallbackAfterRecallMsg` request, as Tencent sends it. Unknown fields are kept. */
export interface GroupRecallCallbackBody {
  CallbackCommand: typeof RECALL_COMMAND;
  Operator_Account: string;
  Type: GroupType;
  GroupId: string;
  MsgSeqList: RecalledMessageWire[];
  TopicId?: string;
  /** Milliseconds; Tencent sends a number or a string of digits. */
  EventTime: number | string;
  [field: string]: unknown;
}

/** One recalled message. */
export interface RecalledMessage {
  msgSeq: number;
  /** The message's client-side unique ID, when Tencent sends it. */
  msgId?: string;
}

/** A validated recall, in camelCase. */
export interface GroupRecallEvent {
  /** The SDKAppID from the query, as a string. */
  sdkAppId: string;
  /** UserID of whoever recalled the messages (a user, or an admin account via the REST API). */
  operatorAccount: string;
  groupType: GroupType;
  groupId: string;
  /** Only for topic-enabled communities. */
  topicId?: string;
  messages: RecalledMessage[];
  /** Milliseconds since the epoch, always a number. */
  eventTime: number;
  /** `ClientIP` from the query. */
  clientIp?: string;
  /** `OptPlatform` from the query. */
  optPlatform?: OptPlatform;
  /** The body exactly as received. */
  raw: GroupRecallCallbackBody;
}

/** The JSON answer Tencent expects. */
export interface CallbackAnswer {
  ActionStatus: 'OK' | 'FAIL';
  ErrorInfo: string;
  ErrorCode: 0 | 1;
}

/** Where a failure reported to `onError` happened. */
export type ErrorStage =
  /** `onRecall` failed before the answer went out; the answer was FAIL. */
  | 'callback'
  /** `onRecall` failed after the answer went out (timeout acknowledgement, or `respond: 'immediately'`). */
  | 'after-answer'
  /** The dedupe store failed or did not answer in time; the event was processed anyway. */
  | 'dedupe';

export interface ErrorContext<Req> {
  stage: ErrorStage;
  event: GroupRecallEvent;
  request: Req;
}

/**
 * Where deliveries are remembered, so a copy of a recall that arrives again is not processed twice.
 * `memoryStore()` and `redisStore()` implement it; any object with these two methods will do.
 */
export interface DedupeStore {
  /** Atomically records `key` for `ttlMs` ms; resolves `true` if it was not already recorded, `false` if it was. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Forgets `key`, so a later copy of the event is processed. */
  release(key: string): Promise<void>;
}

export interface DedupeOptions {
  store: DedupeStore;
  /** How long a delivery is remembered, in seconds. Default 86400 (24 h). */
  ttlSeconds?: number;
  /** How long to wait for the store on each claim and release, in ms, before going on without it. Default 200. */
  timeoutMs?: number;
}

export type RecallHandler<Req> = (event: GroupRecallEvent, request: Req) => unknown;

export interface RecallWebhookOptions<Req> {
  /** The app's SDKAppID (number or numeric string); an array accepts several apps. */
  sdkAppId: number | string | ReadonlyArray<number | string>;
  /** Called once per valid recall; may return a promise. */
  onRecall: RecallHandler<Req>;
  /** Largest accepted body, in bytes or as a string such as `'100kb'`. Default `'100kb'`. */
  limit?: number | string;
  /** Answer 408 FAIL and close the connection when the body has not fully arrived this many ms after reading began. Default 1000. */
  bodyTimeoutMs?: number;
  /** With `respond: 'after-callback'`, answer OK after this many ms if `onRecall` is still running. Default 1500. */
  timeoutMs?: number;
  /** `'after-callback'` (default): answer once `onRecall` settles; `'immediately'`: answer OK once the request is valid. */
  respond?: 'after-callback' | 'immediately';
  /** Hears of every failure of `onRecall`, whether or not it was answered with FAIL, and of every dedupe store failure. */
  onError?: (error: unknown, context: ErrorContext<Req>) => void;
  /** Tencent's callback token; an array accepts any of several (for rotation). Off when absent. */
  token?: string | ReadonlyArray<string>;
  /** How far `RequestTime` may be from now, in seconds. Default 60. */
  toleranceSeconds?: number;
  /** The clock, in ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Processes each recall once even when Tencent delivers it more than once. Off when absent. */
  dedupe?: DedupeOptions;
}
