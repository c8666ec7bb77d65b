/** The `CallbackCommand` of a recall in a group. */
export const RECALL_COMMAND = 'Group.CallbackAfterRecallMsg';
/** The `CallbackCommand` of a recall in a one-to-one chat. */
export const C2C_RECALL_COMMAND = 'C2C.CallbackAfterMsgWithDraw';

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

/** The body of a `C2C.CallbackAfterMsgWithDraw` request, as Tencent sends it. Unknown fields are kept. */
export interface C2CRecallCallbackBody {
  CallbackCommand: typeof C2C_RECALL_COMMAND;
  From_Account: string;
  To_Account: string;
  MsgKey: string;
  /** The recipient's unread one-to-one messages (in Tencent's English sample). */
  UnreadMsgNum?: number;
  /** Milliseconds, a number or a string of digits (in Tencent's Chinese sample). */
  EventTime?: number | string;
  [field: string]: unknown;
}

/** A validated recall in a group, in camelCase, as the webhook reported it. */
export interface GroupRecallEvent {
  /** Tells a group recall from a one-to-one recall in a `RecallEvent`. */
  callbackCommand: typeof RECALL_COMMAND;
  /** Tells a webhook event from one that reconciliation found in the group's history. */
  source: 'webhook';
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

/** A validated recall in a one-to-one chat, in camelCase, as the webhook reported it. */
export interface C2CRecallEvent {
  /** Tells a one-to-one recall from a group recall in a `RecallEvent`. */
  callbackCommand: typeof C2C_RECALL_COMMAND;
  /** Tells a webhook event from one that reconciliation found in the conversation's history. */
  source: 'webhook';
  /** The SDKAppID from the query, as a string. */
  sdkAppId: string;
  /** UserID of the message's sender. */
  fromAccount: string;
  /** UserID of the message's recipient. */
  toAccount: string;
  /** The message's key within its conversation (MsgSeq_MsgRandom_MsgTimeStamp); with both accounts, what the REST API `admin_msgwithdraw` takes. */
  msgKey: string;
  /** The recipient's unread one-to-one messages, when Tencent sends it. */
  unreadMsgNum?: number;
  /** Milliseconds since the epoch, always a number, when Tencent sends it. */
  eventTime?: number;
  /** `ClientIP` from the query. */
  clientIp?: string;
  /** `OptPlatform` from the query. */
  optPlatform?: OptPlatform;
  /** The body exactly as received. */
  raw: C2CRecallCallbackBody;
}

/** Either kind of recall from the webhook; `callbackCommand` tells them apart. */
export type RecallEvent = GroupRecallEvent | C2CRecallEvent;

/** One message of a group's history, as `group_msg_get_simple` returns it. Unknown fields are kept. */
export interface GroupHistoryMessage {
  From_Account: string;
  /** 0 normal, 1 deleted or expired, 2 recalled. */
  IsPlaceMsg: number;
  MsgSeq: number;
  MsgRandom?: number;
  /** When the message was sent, in seconds since the epoch. */
  MsgTimeStamp: number;
  [field: string]: unknown;
}

/** One message of a one-to-one history, as `admin_getroammsg` returns it. Unknown fields are kept. */
export interface C2CHistoryMessage {
  From_Account: string;
  To_Account: string;
  MsgKey: string;
  /** Bit 8 set: the message was recalled. */
  MsgFlagBits: number;
  /** When the message was sent, in seconds since the epoch. */
  MsgTimeStamp: number;
  [field: string]: unknown;
}

/**
 * A recall in a group that reconciliation found in the group's history (`IsPlaceMsg` 2): one
 * event per recalled message, so that it has the same dedupe key as the webhook's report of a
 * single-message recall. History says who sent the message and when, not who recalled it, when,
 * or from where: those fields are absent (typed `undefined`), never guessed. A handler that takes
 * `AnyGroupRecallEvent` serves both the receiver and reconciliation.
 */
export interface ReconciledGroupRecallEvent {
  callbackCommand: typeof RECALL_COMMAND;
  source: 'reconciliation';
  /** The client's SDKAppID, as a string. */
  sdkAppId: string;
  groupId: string;
  /** Only for topic-enabled communities. */
  topicId?: string;
  /** Exactly one message. */
  messages: [RecalledMessage];
  /** UserID of the recalled message's sender (who usually, but not always, recalled it). */
  senderAccount: string;
  /** When the recalled message was sent, in milliseconds since the epoch (Tencent keeps seconds). */
  sentTime: number;
  /** Unknown to history. */
  operatorAccount?: undefined;
  /** Not read: `group_msg_get_simple` does not return it. */
  groupType?: undefined;
  /** Unknown to history: it keeps when the message was sent, not when it was recalled. */
  eventTime?: undefined;
  clientIp?: undefined;
  optPlatform?: undefined;
  /** The history entry exactly as received. */
  raw: GroupHistoryMessage;
}

/**
 * A recall in a one-to-one chat that reconciliation found in the conversation's history
 * (`MsgFlagBits` with bit 8). Who recalled it and when are unknown to history: absent, never guessed.
 */
export interface ReconciledC2CRecallEvent {
  callbackCommand: typeof C2C_RECALL_COMMAND;
  source: 'reconciliation';
  /** The client's SDKAppID, as a string. */
  sdkAppId: string;
  /** UserID of the message's sender. */
  fromAccount: string;
  /** UserID of the message's recipient. */
  toAccount: string;
  msgKey: string;
  /** When the recalled message was sent, in milliseconds since the epoch (Tencent keeps seconds). */
  sentTime: number;
  unreadMsgNum?: undefined;
  /** Unknown to history: it keeps when the message was sent, not when it was recalled. */
  eventTime?: undefined;
  clientIp?: undefined;
  optPlatform?: undefined;
  /** The history entry exactly as received. */
  raw: C2CHistoryMessage;
}

/** A group recall from either source; `source` tells them apart. */
export type AnyGroupRecallEvent = GroupRecallEvent | ReconciledGroupRecallEvent;
/** A one-to-one recall from either source; `source` tells them apart. */
export type AnyC2CRecallEvent = C2CRecallEvent | ReconciledC2CRecallEvent;
/** Any recall from either source: what a queue shared by the receiver and reconciliation holds. */
export type AnyRecallEvent = AnyGroupRecallEvent | AnyC2CRecallEvent;

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
  | 'dedupe'
  /**
   * The queue failed or did not take the recall in time: with a handler for its kind it was
   * processed inline (the fallback), otherwise the answer was 503 FAIL.
   */
  | 'enqueue';

export interface ErrorContext<Req> {
  stage: ErrorStage;
  event: RecallEvent;
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
  ttlSeconds?: number | undefined;
  /** How long to wait for the store on each claim and release, in ms, before going on without it. Default 200. */
  timeoutMs?: number | undefined;
}

export type RecallHandler<Req> = (event: GroupRecallEvent, request: Req) => unknown;
export type C2CRecallHandler<Req> = (event: C2CRecallEvent, request: Req) => unknown;

/**
 * Where durable mode stores recalls: a BullMQ `Queue` (Redis or PostgreSQL backend), or any
 * object with the same `add`. A job's name is the event's `callbackCommand`, its data the event.
 */
export interface RecallQueue {
  add(name: string, data: AnyRecallEvent, options?: RecallJobOptions): Promise<unknown>;
  /** The Queue's own job defaults; the package's defaults fill only the keys these leave unset. */
  readonly defaultJobOptions?: object | undefined;
}

/** Which finished jobs to keep, as BullMQ's `KeepJobs` has it: an age in seconds, a count, or both. */
export type KeepJobs = { age: number; count?: number } | { count: number };

/**
 * The job options the receiver passes to `queue.add`: a subset of BullMQ's `JobsOptions`. The
 * package writes them, never the user, and leaves unset fields out rather than `undefined`, so
 * they fit BullMQ's `JobsOptions` under `exactOptionalPropertyTypes` too.
 */
export interface RecallJobOptions {
  attempts?: number;
  backoff?: { type: 'exponential' | 'fixed'; delay: number };
  removeOnComplete?: boolean | number | KeepJobs;
  removeOnFail?: boolean | number | KeepJobs;
  deduplication?: { id: string; ttl?: number };
}

/** Where the package writes what must not go unseen; any of `console`'s shape will do. */
export interface RecallLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** One callback token, or several accepted side by side while rotating. */
export type CallbackToken = string | ReadonlyArray<string>;

export interface RecallWebhookOptions<Req> {
  /** The app's SDKAppID (number or numeric string); an array accepts several apps. */
  sdkAppId: number | string | ReadonlyArray<number | string>;
  /** Called once per valid group recall; may return a promise. With `queue`, the fallback when the queue fails. */
  onRecall?: RecallHandler<Req> | undefined;
  /** Called once per valid one-to-one recall; may return a promise. With `queue`, the fallback when the queue fails. */
  onC2CRecall?: C2CRecallHandler<Req> | undefined;
  /** Durable mode: every valid recall is added to this queue as a job, and answered OK only once it is stored. */
  queue?: RecallQueue | undefined;
  /** How long copies of one recall become one job in `queue`, in seconds. Default 86400 (24 h). */
  queueDeduplicationSeconds?: number | undefined;
  /** Largest accepted body, in bytes or as a string such as `'100kb'`. Default `'100kb'`. */
  limit?: number | string | undefined;
  /** Answer 408 FAIL and close the connection when the body has not fully arrived this many ms after reading began. Default 1000. */
  bodyTimeoutMs?: number | undefined;
  /** With `respond: 'after-callback'`, answer OK after this many ms if the handler is still running. Default 1500. */
  timeoutMs?: number | undefined;
  /** `'after-callback'` (default): answer once the handler settles; `'immediately'`: answer OK once the request is valid. */
  respond?: 'after-callback' | 'immediately' | undefined;
  /**
   * Hears of every failure of a handler, whether or not it was answered with FAIL, of every dedupe
   * store failure, and of every recall the queue did not take. May be async: a promise it returns
   * that rejects (or a throw) is caught and logged, never left unhandled.
   */
  onError?: ((error: unknown, context: ErrorContext<Req>) => unknown) | undefined;
  /**
   * Where failures are written, as @octokit/webhooks has it: every FAIL answer (status, reason and
   * which recall, never the Sign or a token), every recall lost after its answer, every dedupe store
   * failure. Default: `console.warn` for rejected requests and store failures, `console.error` for
   * recalls that could not be processed or stored. Repeats of one kind are summarised once a
   * minute. Levels left out keep their default; `{ warn() {}, error() {} }` silences it.
   */
  log?: Partial<RecallLog> | undefined;
  /**
   * In durable mode, the callback commands the queue takes. Default: both. A recall of any other
   * kind is handled inline if its handler is given, and otherwise passed on like any command this
   * middleware does not handle, so a receiver never acknowledges what no worker processes.
   */
  queueCommands?: ReadonlyArray<RecallEvent['callbackCommand']> | undefined;
  /**
   * In durable mode, how many adds may wait for the queue's backend at once. Past it, a recall is
   * handled inline when its handler is given and otherwise answered 503 FAIL at once, so a hung
   * backend cannot grow the receiver's memory without bound. Default 200.
   */
  queueMaxPendingAdds?: number | undefined;
  /**
   * Tencent's callback token; an array accepts any of several (for rotation). A string or an
   * array is shared by every app in `sdkAppId`; an object keyed by SdkAppid gives each app its own
   * (a string or a rotation array), checked against that app's callbacks only. Off when absent.
   */
  token?: CallbackToken | Readonly<Record<string, CallbackToken>> | undefined;
  /** How far `RequestTime` may be from now, in seconds. Default 60. */
  toleranceSeconds?: number | undefined;
  /** The clock, in ms since the epoch. Default `Date.now`. */
  now?: (() => number) | undefined;
  /** Processes each recall once even when Tencent delivers it more than once. Off when absent. */
  dedupe?: DedupeOptions | undefined;
}
