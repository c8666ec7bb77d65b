import type { CallbackToken, RecallCommand } from '../protocol/types';
import type { DedupeOptions, ErrorContext, RecallHandlers, RecallLog, RecallQueue } from '../delivery/types';

/** The receiver's options: at least one handler (`onRecall`, `onC2CRecall`, `onOfficialAccountRecall`) or `queue`. */
export interface RecallWebhookOptions<Req> extends RecallHandlers<Req> {
  /** The app's SDKAppID (number or numeric string); an array accepts several apps. */
  sdkAppId: number | string | ReadonlyArray<number | string>;
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
   * In durable mode, the callback commands the queue takes. Default: every recall command. A recall of any other
   * kind is handled inline if its handler is given, and otherwise passed on like any command this
   * middleware does not handle, so a receiver never acknowledges what no worker processes.
   */
  queueCommands?: ReadonlyArray<RecallCommand> | undefined;
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
