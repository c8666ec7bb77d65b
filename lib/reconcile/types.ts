import type { DeliveryOutcome } from '../delivery/deliver';
import type {
  AnyRecallEvent,
  RecallCommand,
  ReconciledC2CRecallEvent,
  ReconciledGroupRecallEvent,
} from '../protocol/types';
import type { DedupeOptions, RecallLog, RecallQueue } from '../delivery/types';

/** What a pass needs of a `ChatApiClient`: the app and signed calls (and, for topics, its admin account). */
export interface HistoryClient {
  readonly sdkAppId: number;
  /** The App admin account the client signs as; `listActiveGroups` asks for topics as it. */
  readonly identifier?: string | undefined;
  call<T extends object = Record<string, unknown>>(command: string, body: object): Promise<T>;
}

/** A group by id, or one topic of a topic-enabled community. */
export type GroupToReconcile = string | { groupId: string; topicId?: string | undefined };

/** A one-to-one conversation: `account`'s history with `peer` (it holds both directions). */
export interface ConversationToReconcile {
  account: string;
  peer: string;
}

export type Source<T> = Iterable<T> | AsyncIterable<T>;

/** The window of one pass: handlers get it as their second argument. */
export interface ReconcileWindow {
  since: Date;
  until: Date;
  /** The earliest send time read: `since` minus the recall time limit. */
  readFrom: Date;
}

export interface ReconcileOptions {
  /** A `createChatApiClient(...)`, or anything with its `sdkAppId` and `call`. */
  client: HistoryClient;
  /** Start of the window: recalls from then on are looked for. A `Date` or ms since the epoch. */
  since: Date | number;
  /** End of the window; default now. */
  until?: Date | number | undefined;
  /** The groups (or community topics) to read. */
  groups?: Source<GroupToReconcile> | undefined;
  /** The one-to-one conversations to read. */
  conversations?: Source<ConversationToReconcile> | undefined;
  /** Called once per group recall found (a handler taking `AnyGroupRecallEvent` serves the receiver too). */
  onRecall?: ((event: ReconciledGroupRecallEvent, window: ReconcileWindow) => unknown) | undefined;
  /** Called once per one-to-one recall found. */
  onC2CRecall?: ((event: ReconciledC2CRecallEvent, window: ReconcileWindow) => unknown) | undefined;
  /** The receiver's queue: each recall found becomes a job there, for `createRecallWorker`. */
  queue?: RecallQueue | undefined;
  /** As the receiver's option: how long copies of one recall become one job, in seconds. Default 86400. */
  queueDeduplicationSeconds?: number | undefined;
  /** As the receiver's option: the commands that go to `queue` (default all); the others go to their handler. */
  queueCommands?: ReadonlyArray<RecallCommand> | undefined;
  /** As the receiver's option: how many adds may wait for the queue at once. */
  queueMaxPendingAdds?: number | undefined;
  /**
   * How long to wait for the queue to acknowledge each add, in ms, before the recall counts as not
   * queued (reported failed, or handed to its handler when there is one). Default 10000.
   */
  queueTimeoutMs?: number | undefined;
  /**
   * As the receiver's option: where the delivery writes what a report cannot show (a dedupe store
   * that failed, a queue that failed over to the handler). Default: warnings and errors to the console.
   */
  log?: Partial<RecallLog> | undefined;
  /** The receiver's dedupe store, so a recall it (or an earlier pass) delivered is not delivered again. */
  dedupe?: DedupeOptions | undefined;
  /** The app's recall time limit, in seconds; default 120 (Tencent's default). */
  recallTimeLimitSeconds?: number | undefined;
  /** How many conversations are read at once; default 4. The client's `maxCallsPerSecond` bounds the calls. */
  concurrency?: number | undefined;
  /**
   * Most history pages read from one conversation; default 1000 (20,000 group messages). A
   * conversation with more in the window is reported failed, never read in part as if whole.
   */
  maxPagesPerConversation?: number | undefined;
  /**
   * Stops the pass: conversations under way end at their next page, the rest are not started,
   * and each of them is reported failed ("not finished").
   */
  signal?: AbortSignal | undefined;
}

/** A conversation a pass read, or tried to. */
export type ReconciledConversation =
  { kind: 'group'; groupId: string; topicId?: string } | { kind: 'c2c'; account: string; peer: string };

/** A recall reconciliation can find: one of the commands whose history marks recalls. */
export type ReconciledRecallEvent = Extract<AnyRecallEvent, { source: 'reconciliation' }>;
/** The commands reconciliation finds recalls of. */
export type ReconciledCommand = ReconciledRecallEvent['callbackCommand'];

/** A recall a pass found, and what became of it. */
export interface FoundRecall {
  event: ReconciledRecallEvent;
  /**
   * `'ok'`: a handler ran; `'queued'`: a job was created for it; `'duplicate'`: it was delivered
   * before (the dedupe store had it, or the queue already had its job); `'failed'`: see `failed`.
   */
  outcome: DeliveryOutcome | 'failed';
}

/** A conversation whose history could not be read to the end, or a recall that could not be delivered. */
export interface ReconcileFailure {
  conversation: ReconciledConversation;
  /** The recall whose delivery failed; absent when reading the history failed. */
  event?: ReconciledRecallEvent;
  error: unknown;
  /** The error's message, for logs. */
  reason: string;
  /**
   * True when reading again cannot help: the group does not exist, or serves no history
   * (AVChatRoom). A scheduler reports it and does not retry it.
   */
  permanent: boolean;
}

export interface ReconcileReport {
  since: Date;
  until: Date;
  readFrom: Date;
  /** Conversations whose history was read back to `readFrom` without error. */
  scanned: { groups: number; conversations: number };
  /** REST calls this pass made (frequency-limit retries inside the client not counted). */
  calls: number;
  /** Recalls found, by kind. */
  found: { group: number; c2c: number };
  /** Recalls handed on for the first time: a handler that succeeded, or a job created. */
  delivered: number;
  /** Recalls delivered before: the dedupe store had them, or the queue already had their job. */
  duplicates: number;
  /**
   * History entries the pass could not read (no MsgSeq or MsgKey, a recalled entry without a send
   * time): each one's conversation is listed in `failed`, so it is not taken as read.
   */
  unreadable: number;
  /** Every recall found, in the order found. */
  recalls: FoundRecall[];
  /** What failed; the pass went on past each. */
  failed: ReconcileFailure[];
}
