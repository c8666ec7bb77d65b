/**
 * tencent-chat-recall-webhook:callback on every runtime: the events of each outcome, the context's
 * fields, and nothing secret in them.
 */
import {
  CALLBACK_CHANNEL,
  CallbackFailedError,
  memoryStore,
  SdkAppIdMismatchError,
  type CallbackTraceContext,
} from '../../lib/entries';
import { callbackChannel, isTraced } from '../../lib/observability/channels';
import { body, OTHER_APP_ID, query, queryString, SDK_APP_ID, signedQuery, TOKEN } from '../cases';
import { recordChannel, type ChannelRecording } from '../support/channels';
import { RUNTIMES, type RunningReceiver } from '../support/runtimes';

const APP = String(SDK_APP_ID);
const OK_EVENTS = ['start', 'end', 'asyncStart', 'asyncEnd'];
const FAIL_EVENTS = ['start', 'end', 'error', 'asyncStart', 'asyncEnd'];

describe.each(RUNTIMES.map((runtime) => [runtime.name, runtime] as const))(
  'callback channel on %s',
  (_name, runtime) => {
    let recording: ChannelRecording<CallbackTraceContext>;
    let receiver: RunningReceiver | undefined;

    beforeEach(() => {
      recording = recordChannel(callbackChannel);
    });
    afterEach(async () => {
      recording.stop();
      await receiver?.close();
      receiver = undefined;
    });

    async function start(options: object): Promise<RunningReceiver> {
      receiver = await runtime.start({ sdkAppId: SDK_APP_ID, log: { warn() {}, error() {} }, ...options });
      return receiver;
    }

    function onlyTrace() {
      const traces = recording.traces();
      expect(traces).toHaveLength(1);
      return traces[0];
    }

    it('is the published name', () => {
      expect(CALLBACK_CHANNEL).toBe('tencent-chat-recall-webhook:callback');
    });

    it("ok: start with the command, then the app, outcome 'ok' and status 200 at the end", async () => {
      const handled: string[] = [];
      const { post } = await start({ onRecall: async () => void handled.push('handled') });
      expect((await post(queryString(query()), body())).status).toBe(200);

      const trace = onlyTrace();
      expect(trace.map((one) => one.event)).toEqual(OK_EVENTS);
      expect(trace[0].context).toEqual({ command: 'Group.CallbackAfterRecallMsg' });
      expect(trace[3].context).toMatchObject({
        command: 'Group.CallbackAfterRecallMsg',
        sdkAppId: APP,
        outcome: 'ok',
        status: 200,
      });
      expect(handled).toEqual(['handled']);
    });

    it("duplicate: the second copy of a recall ends with outcome 'duplicate'", async () => {
      const { post } = await start({ onRecall: () => {}, dedupe: { store: memoryStore() } });
      const recall = body();
      expect((await post(queryString(query()), recall)).status).toBe(200);
      expect((await post(queryString(query()), recall)).status).toBe(200);

      const outcomes = recording.traces().map((trace) => trace.at(-1)!.context.outcome);
      expect(outcomes).toEqual(['ok', 'duplicate']);
    });

    it("rejected: a request for another app publishes error, outcome 'rejected' and its 4xx status", async () => {
      const { post } = await start({ onRecall: () => {} });
      expect((await post(queryString(query({ SdkAppid: String(OTHER_APP_ID) })), body())).status).toBe(403);

      const trace = onlyTrace();
      expect(trace.map((one) => one.event)).toEqual(FAIL_EVENTS);
      const last = trace.at(-1)!.context;
      expect(last).toMatchObject({ outcome: 'rejected', status: 403 });
      // The app was refused before it was known.
      expect(last.sdkAppId).toBeUndefined();
      expect(trace[2].context.error).toBeInstanceOf(SdkAppIdMismatchError);
    });

    it("failed: a handler that fails publishes error, outcome 'failed' and 500", async () => {
      const { post } = await start({
        onRecall: () => Promise.reject(new Error('downstream down')),
        onError: () => {},
      });
      expect((await post(queryString(query()), body())).status).toBe(500);

      const trace = onlyTrace();
      expect(trace.map((one) => one.event)).toEqual(FAIL_EVENTS);
      expect(trace.at(-1)!.context).toMatchObject({ sdkAppId: APP, outcome: 'failed', status: 500 });
      expect(trace[2].context.error).toBeInstanceOf(CallbackFailedError);
    });

    it('never carries the Sign, the token or the query', async () => {
      const signed = signedQuery(TOKEN, Date.now());
      const { post } = await start({ token: TOKEN, onRecall: () => {} });
      expect((await post(queryString(signed), body())).status).toBe(200);
      // A wrong signature: rejected, with its error in the context.
      const forged = signed.map(([name, value]): [string, string] => [name, name === 'Sign' ? 'f'.repeat(64) : value]);
      expect((await post(queryString(forged), body())).status).toBe(401);

      const sign = signed.find(([name]) => name === 'Sign')![1];
      for (const { context } of recording.published) {
        const seen = JSON.stringify(context) + String(context.error);
        for (const secret of [TOKEN, sign, 'f'.repeat(64), 'RequestTime', 'ClientIP'])
          expect(seen).not.toContain(secret);
      }
      expect(recording.traces().map((trace) => trace.at(-1)!.context.outcome)).toEqual(['ok', 'rejected']);
    });

    it('builds no context and traces nothing while nobody subscribes', async () => {
      recording.stop();
      const tracePromise = jest.spyOn(callbackChannel, 'tracePromise');
      try {
        const { post } = await start({ onRecall: () => {} });
        expect((await post(queryString(query()), body())).status).toBe(200);
        expect(tracePromise).not.toHaveBeenCalled();
      } finally {
        tracePromise.mockRestore();
      }
    });
  },
);

describe('isTraced', () => {
  const channel = (listening: string | undefined) =>
    Object.fromEntries(
      ['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((event) => [
        event,
        { hasSubscribers: event === listening },
      ]),
    ) as never;

  it("works out whether anyone listens from the five channels where Node (before 20.13) lacks the TracingChannel's own", () => {
    expect(isTraced(channel(undefined))).toBe(false);
    for (const event of ['start', 'end', 'asyncStart', 'asyncEnd', 'error'])
      expect(isTraced(channel(event))).toBe(true);
  });

  it("takes the TracingChannel's own answer where there is one", () => {
    expect(isTraced(callbackChannel)).toBe(false);
    const recording = recordChannel(callbackChannel);
    try {
      expect(isTraced(callbackChannel)).toBe(true);
    } finally {
      recording.stop();
    }
  });
});
