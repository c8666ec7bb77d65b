import createDebug from 'debug';
import { createDelivery, messageOf } from '../delivery/deliver';
import { createFailureLog } from '../delivery/log';
import { failAnswer, OK_ANSWER, type Answer } from '../protocol/answers';
import { parseBody, type BodySource } from '../protocol/body';
import { commandSpec, type CommandSpec } from '../protocol/commands';
import { RecallWebhookError, SdkAppIdMismatchError } from '../protocol/errors';
import type { CallbackQuery } from '../protocol/query';
import { createSignatureVerifier, type SignatureVerifier } from '../protocol/signature';
import type { RecallWebhookOptions } from './types';
import { callbackChannel, isTraced, type CallbackTraceContext } from '../observability/channels';
import { normalizeOptions, type NormalizedOptions } from './options';

const debug = createDebug('tencent-chat-recall-webhook:core');

/** What an adapter hands the core for one claimed request. */
export interface IncomingCallback<Req> {
  /** What `claims` returned for this request. */
  command: CommandSpec;
  params: CallbackQuery;
  request: Req;
  /**
   * The request's method and path, to say in debug lines which request they are about (never the
   * query: it holds Sign). The core adds the request's number.
   */
  label: string;
  /**
   * Reads the body, rejecting with a `RecallWebhookError` when it is over `limit` bytes or has not
   * fully arrived within `timeoutMs`.
   */
  readBody: (limit: number, timeoutMs: number) => Promise<BodySource>;
  /** Keeps a serverless runtime alive for work that goes on after the answer. */
  waitUntil?: (work: Promise<unknown>) => void;
}

/** The protocol, shared by every adapter: which requests to claim and how to answer them. */
export interface RecallCore<Req> {
  readonly options: NormalizedOptions<Req>;
  /**
   * The command's spec when the request is a POST of a recall this middleware has a handler (or a
   * queue) for; `undefined` for requests that belong to other handlers.
   */
  claims(method: string | undefined, params: CallbackQuery): CommandSpec | undefined;
  /** Runs every check, hands the recall on (handler or queue) and resolves to the one answer; never rejects. */
  handle(incoming: IncomingCallback<Req>): Promise<Answer>;
}

/** What the log may say of a request so far: its command, then its app, then the recall. */
interface Subject {
  text: string;
}

export function createRecallCore<Req>(userOptions: RecallWebhookOptions<Req>, factory: string): RecallCore<Req> {
  const options = normalizeOptions(userOptions, factory);
  const delivery = createDelivery(options.delivery);
  const failures = createFailureLog(options.delivery.log);
  let authenticationOffLogged = false;
  let received = 0;

  function claims(method: string | undefined, params: CallbackQuery): CommandSpec | undefined {
    if (method !== 'POST') return undefined;
    const commands = params.getAll('CallbackCommand');
    if (commands.length !== 1) return undefined;
    const spec = commandSpec(commands[0]);
    if (spec === undefined || !delivery.accepts(spec.command)) return undefined;
    return spec;
  }

  function checkSdkAppId(params: CallbackQuery): string {
    const ids = params.getAll('SdkAppid');
    if (ids.length === 0) throw new SdkAppIdMismatchError('missing SdkAppid');
    if (ids.length > 1) throw new SdkAppIdMismatchError('SdkAppid given more than once');
    if (!options.sdkAppIds.has(ids[0])) throw new SdkAppIdMismatchError('SdkAppid is not this app');
    return ids[0];
  }

  // Built once: each app's Sign is checked against that app's tokens only.
  const signatureChecks = new Map<string, SignatureVerifier>(
    [...options.tokensByApp].map(([id, tokens]) => [
      id,
      createSignatureVerifier({ tokens, toleranceSeconds: options.toleranceSeconds, now: options.now }),
    ]),
  );

  function authenticate(sdkAppId: string, params: CallbackQuery, label: string): void {
    const check = signatureChecks.get(sdkAppId);
    if (check === undefined) {
      if (!authenticationOffLogged) {
        authenticationOffLogged = true;
        debug('%s: authentication is off: no token configured, Sign and RequestTime are not checked', label);
      }
      return;
    }
    check(single(params, 'Sign'), single(params, 'RequestTime'));
  }

  async function answerCallback(
    incoming: IncomingCallback<Req>,
    subject: Subject,
    trace: CallbackTraceContext | undefined,
  ): Promise<Answer> {
    // Reading the body and claiming the key count against timeoutMs too, so the answer still goes
    // out before Tencent's deadline.
    const answerBy = performance.now() + options.timeoutMs;
    const sdkAppId = checkSdkAppId(incoming.params);
    subject.text = `${incoming.command.command} for app ${sdkAppId}`;
    if (trace) trace.sdkAppId = sdkAppId;
    authenticate(sdkAppId, incoming.params, incoming.label);
    const body = parseBody(await incoming.readBody(options.limit, options.bodyTimeoutMs), options.limit);
    const event = incoming.command.toEvent(body, {
      sdkAppId,
      clientIp: incoming.params.get('ClientIP') ?? undefined,
      optPlatform: incoming.params.get('OptPlatform') ?? undefined,
    });
    subject.text = incoming.command.identify(event);
    const outcome = await delivery.deliver(event, {
      request: incoming.request,
      label: incoming.label,
      deadline: answerBy,
      waitUntil: incoming.waitUntil,
      traceContext: trace?.traceContext,
    });
    if (trace) {
      trace.outcome = outcome;
      trace.status = OK_ANSWER.status;
    }
    return OK_ANSWER;
  }

  function handle(incoming: IncomingCallback<Req>): Promise<Answer> {
    // Numbered, so the lines of requests that overlap on one path can be told apart; the copy
    // and the string only while debug lines are written.
    const numbered = debug.enabled ? { ...incoming, label: `${incoming.label} #${++received}` } : incoming;
    const subject: Subject = { text: incoming.command.command };
    const answerFailure = (error: unknown) => failureAnswer(error, numbered.label, subject, incoming.label);
    // The context is built only when someone listens: nothing more per request otherwise.
    if (!isTraced(callbackChannel)) return answerCallback(numbered, subject, undefined).catch(answerFailure);
    const trace: CallbackTraceContext = { command: incoming.command.command };
    return callbackChannel
      .tracePromise(async () => {
        try {
          return await answerCallback(numbered, subject, trace);
        } catch (error) {
          trace.status = statusOf(error);
          trace.outcome = trace.status >= 500 ? 'failed' : 'rejected';
          throw error;
        }
      }, trace)
      .catch(answerFailure);
  }

  function failureAnswer(error: unknown, numberedLabel: string, subject: Subject, label: string): Answer {
    const answer = failAnswer(statusOf(error), error instanceof RecallWebhookError ? error.message : 'internal error');
    if (error instanceof RecallWebhookError) {
      debug('%s: rejected with %d: %s', numberedLabel, error.status, error.message);
    } else {
      debug('%s: internal error: %O', numberedLabel, error);
    }
    reportFailAnswer(answer.status, error, subject.text, label);
    return answer;
  }

  // A 5xx lost a recall Tencent will not send again; a 4xx refused a request that may not be one.
  function reportFailAnswer(status: number, error: unknown, subject: string, label: string): void {
    const reason = error instanceof RecallWebhookError ? error.message : 'internal error';
    const cause = error instanceof RecallWebhookError && error.cause !== undefined ? `: ${messageOf(error.cause)}` : '';
    // Capped per status and class: a message can name what the sender sent (Joi's names the field).
    failures.report(
      status >= 500 ? 'error' : 'warn',
      `${status} ${error instanceof RecallWebhookError ? error.name : 'internal error'}`,
      `answered ${status} FAIL (${reason}${cause}) to ${label}, ${subject}`,
    );
  }

  return { options, claims, handle };
}

function statusOf(error: unknown): number {
  return error instanceof RecallWebhookError ? error.status : 500;
}

function single(params: CallbackQuery, name: string): string | undefined {
  const values = params.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}
