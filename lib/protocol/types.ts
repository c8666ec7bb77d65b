// Tencent's contract: the callback commands, their bodies and events, history entries and the answer.
// What differs per command is in commands.ts, the one table keyed by these commands.

/** The `CallbackCommand` of a recall in a group. */
export const GROUP_RECALL_COMMAND = 'Group.CallbackAfterRecallMsg';
/** The group recall's command under the name it had before there were other recalls: `GROUP_RECALL_COMMAND`. */
export const RECALL_COMMAND = GROUP_RECALL_COMMAND;
/** The `CallbackCommand` of a recall in a one-to-one chat. */
export const C2C_RECALL_COMMAND = 'C2C.CallbackAfterMsgWithDraw';
/** The `CallbackCommand` of a recall of an Official Account's messages. */
export const OFFICIAL_ACCOUNT_RECALL_COMMAND = 'OfficialAccount.CallbackAfterMsgWithDraw';

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
  CallbackCommand: typeof GROUP_RECALL_COMMAND;
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
  callbackCommand: typeof GROUP_RECALL_COMMAND;
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

/** One recalled message of an Official Account, as it appears in the wire body's `WithdrawMsgList`. */
export interface WithdrawnMessageWire {
  MsgKey: string;
  [field: string]: unknown;
}

/** The body of an `OfficialAccount.CallbackAfterMsgWithDraw` request, as Tencent sends it. Unknown fields are kept. */
export interface OfficialAccountRecallCallbackBody {
  CallbackCommand: typeof OFFICIAL_ACCOUNT_RECALL_COMMAND;
  /** The Official Account's UserID, e.g. `#TOA#_123`. */
  Official_Account: string;
  /** The recalled messages, one or more. */
  WithdrawMsgList: WithdrawnMessageWire[];
  /** Milliseconds; a number or a string of digits. */
  EventTime?: number | string;
  [field: string]: unknown;
}

/** One recalled message of an Official Account. */
export interface WithdrawnMessage {
  /** The message's key within the Official Account. */
  msgKey: string;
}

/** A validated recall of an Official Account's messages, in camelCase, as the webhook reported it. */
export interface OfficialAccountRecallEvent {
  /** Tells an Official Account recall from the other kinds in a `RecallEvent`. */
  callbackCommand: typeof OFFICIAL_ACCOUNT_RECALL_COMMAND;
  /** Tells a webhook event from one found in history (reconciliation reads no Official Account history yet). */
  source: 'webhook';
  /** The SDKAppID from the query, as a string. */
  sdkAppId: string;
  /** The Official Account's UserID. */
  officialAccount: string;
  messages: WithdrawnMessage[];
  /** Milliseconds since the epoch, always a number, when Tencent sends it. */
  eventTime?: number;
  /** `ClientIP` from the query. */
  clientIp?: string;
  /** `OptPlatform` from the query. */
  optPlatform?: OptPlatform;
  /** The body exactly as received. */
  raw: OfficialAccountRecallCallbackBody;
}

/** Any kind of recall from the webhook; `callbackCommand` tells them apart. */
export type RecallEvent = GroupRecallEvent | C2CRecallEvent | OfficialAccountRecallEvent;

/** The `CallbackCommand` of every recall this package handles. */
export type RecallCommand = RecallEvent['callbackCommand'];

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
  callbackCommand: typeof GROUP_RECALL_COMMAND;
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
/** An Official Account recall: only the webhook reports them. */
export type AnyOfficialAccountRecallEvent = OfficialAccountRecallEvent;
/** Any recall from either source: what a queue shared by the receiver and reconciliation holds. */
export type AnyRecallEvent = AnyGroupRecallEvent | AnyC2CRecallEvent | AnyOfficialAccountRecallEvent;

/** The events of either source that one command names. */
export type AnyRecallEventOf<Command extends RecallCommand> = Extract<AnyRecallEvent, { callbackCommand: Command }>;
/** The webhook's event of one command. */
export type RecallEventOf<Command extends RecallCommand> = Extract<RecallEvent, { callbackCommand: Command }>;

/** One callback token, or several accepted side by side while rotating. */
export type CallbackToken = string | ReadonlyArray<string>;

/** The JSON answer Tencent expects. */
export interface CallbackAnswer {
  ActionStatus: 'OK' | 'FAIL';
  ErrorInfo: string;
  ErrorCode: 0 | 1;
}
