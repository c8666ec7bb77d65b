/**
 * The `log` option: every FAIL answer is written once, with its status, reason and which recall it
 * was, never the Sign or a token; repeats are summarised; a user's async onError cannot end the
 * process.
 */
import { createRecallHandler, type RecallLog, type RecallWebhookOptions } from '../../lib/entries';
import { createFailureLog, KINDS_PER_WINDOW, LINES_PER_WINDOW, OTHER_KINDS, WINDOW_MS } from '../../lib/delivery/log';
import { createC2CRecallEvent, createCallbackQuery, createRecallEvent } from '../../lib/testing/index';

const SDK_APP_ID = 1400000000;
const TOKEN = 'log-test-token';

function recordingLog(): { log: RecallLog; lines: Array<{ level: string; message: string }> } {
  const lines: Array<{ level: string; message: string }> = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

function post(
  body: object,
  query: Record<string, string> = createCallbackQuery(SDK_APP_ID, { token: TOKEN }),
): Request {
  return new Request(`http://127.0.0.1/cb?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function handlerWith(options: Partial<RecallWebhookOptions<Request>>) {
  return createRecallHandler({ sdkAppId: SDK_APP_ID, token: TOKEN, onRecall: () => {}, ...options });
}

describe('the log option', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('writes a refused request as a warning with its status, reason and command, never its Sign or token', async () => {
    const { log, lines } = recordingLog();
    const query = createCallbackQuery(SDK_APP_ID, { token: 'wrong-token' });
    const response = await handlerWith({ log })(post(createRecallEvent(), query));
    expect(response!.status).toBe(401);
    expect(lines).toEqual([
      {
        level: 'warn',
        message: expect.stringMatching(
          /answered 401 FAIL \(Sign does not match\) to POST \/cb, Group\.CallbackAfterRecallMsg for app 1400000000$/,
        ),
      },
    ]);
    expect(lines[0].message).not.toContain(query.Sign);
    expect(lines[0].message).not.toContain(TOKEN);
    expect(lines[0].message).not.toContain('wrong-token');
  });

  it('writes a wrong SdkAppid as a warning naming the command only', async () => {
    const { log, lines } = recordingLog();
    const response = await handlerWith({ log })(post(createRecallEvent(), createCallbackQuery(42, { token: TOKEN })));
    expect(response!.status).toBe(403);
    expect(lines.map((line) => line.message)).toEqual([
      expect.stringContaining('answered 403 FAIL (SdkAppid is not this app) to POST /cb, Group.CallbackAfterRecallMsg'),
    ]);
  });

  it('writes a recall its handler failed as an error naming the recall and the cause', async () => {
    const { log, lines } = recordingLog();
    const handler = handlerWith({
      log,
      onC2CRecall: () => Promise.reject(new Error('archive down')),
    });
    const body = createC2CRecallEvent({ From_Account: 'alice', To_Account: 'bob', MsgKey: '1_2_3' });
    const query = createCallbackQuery(SDK_APP_ID, { token: TOKEN, callbackCommand: body.CallbackCommand });
    const response = await handler(post(body, query));
    expect(response!.status).toBe(500);
    expect(await response!.json()).toMatchObject({ ErrorInfo: 'the recall handler failed' });
    expect(lines).toEqual([
      {
        level: 'error',
        message:
          'tencent-chat-recall-webhook: answered 500 FAIL (the recall handler failed: archive down) to POST /cb, ' +
          'C2C.CallbackAfterMsgWithDraw in app 1400000000, from "alice" to "bob", MsgKey "1_2_3"',
      },
    ]);
  });

  it('escapes what a sender put in a field, so it cannot forge a line', async () => {
    const { log, lines } = recordingLog();
    const handler = handlerWith({ log, onRecall: () => Promise.reject(new Error('no')) });
    await handler(post(createRecallEvent({ GroupId: 'g\n\u001b[31mforged' })));
    expect(lines).toHaveLength(1);
    expect(lines[0].message).not.toContain('\n');
    expect(lines[0].message).not.toContain('\u001b');
    expect(lines[0].message).toContain('group "g\\n\\u001b[31mforged"');
  });

  it('writes nothing for a recall answered OK', async () => {
    const { log, lines } = recordingLog();
    const response = await handlerWith({ log })(post(createRecallEvent()));
    expect(response!.status).toBe(200);
    expect(lines).toEqual([]);
  });

  it('summarises a flood of one kind: the first lines as they come, then one count a minute', async () => {
    jest.useFakeTimers({ doNotFake: ['performance', 'setImmediate', 'nextTick', 'queueMicrotask'] });
    const { log, lines } = recordingLog();
    const handler = handlerWith({ log });
    const query = createCallbackQuery(SDK_APP_ID, { token: 'wrong-token' });
    for (let i = 0; i < 50; i++) await handler(post(createRecallEvent(), query));
    expect(lines).toHaveLength(LINES_PER_WINDOW);
    jest.advanceTimersByTime(WINDOW_MS);
    expect(lines).toHaveLength(LINES_PER_WINDOW + 1);
    expect(lines.at(-1)).toEqual({
      level: 'warn',
      message: `tencent-chat-recall-webhook: ${50 - LINES_PER_WINDOW} more like "401 SignatureVerificationError" in the last 60 s`,
    });
    // A new window writes again.
    await handler(post(createRecallEvent(), query));
    expect(lines).toHaveLength(LINES_PER_WINDOW + 2);
  });

  it("caps invalid bodies of every shape as one kind: Joi's message is not the key", async () => {
    jest.useFakeTimers({ doNotFake: ['performance', 'setImmediate', 'nextTick', 'queueMicrotask'] });
    const { log, lines } = recordingLog();
    const handler = handlerWith({ log });
    const shapes = (i: number): object => {
      const valid = createRecallEvent();
      switch (i % 6) {
        case 0: // the index in Joi's message varies
          return { ...valid, MsgSeqList: [...Array.from({ length: i % 40 }, () => ({ MsgSeq: 1 })), { MsgSeq: 'x' }] };
        case 1:
          return { ...valid, GroupId: i };
        case 2:
          return { ...valid, EventTime: `t${i}` };
        case 3:
          return { ...valid, MsgSeqList: [{ MsgSeq: 1, MsgId: i }] };
        case 4:
          return { ...valid, TopicId: { [`k${i}`]: i } };
        default:
          return { ...valid, Operator_Account: [i] };
      }
    };
    for (let i = 0; i < 300; i++) expect((await handler(post(shapes(i))))!.status).toBe(400);
    expect(new Set(lines.map((line) => line.message)).size).toBe(LINES_PER_WINDOW);
    expect(lines).toHaveLength(LINES_PER_WINDOW);
    jest.advanceTimersByTime(WINDOW_MS);
    expect(lines.at(-1)).toEqual({
      level: 'warn',
      message: `tencent-chat-recall-webhook: ${300 - LINES_PER_WINDOW} more like "400 InvalidBodyError" in the last 60 s`,
    });
  });

  it('bounds the kinds a window tells apart, should a caller vary them', () => {
    jest.useFakeTimers();
    const { log, lines } = recordingLog();
    const failures = createFailureLog(log);
    for (let i = 0; i < 1000; i++) failures.report('error', `worker error ${i}`, `worker error: ${i}`);
    // One line for each of the first kinds, then the shared kind's lines.
    expect(lines).toHaveLength(KINDS_PER_WINDOW + LINES_PER_WINDOW);
    jest.advanceTimersByTime(WINDOW_MS);
    expect(lines.at(-1)?.message).toBe(
      `tencent-chat-recall-webhook: ${1000 - KINDS_PER_WINDOW - LINES_PER_WINDOW} more like "${OTHER_KINDS}" in the last 60 s`,
    );
  });

  it('defaults to the console: warn for refusals, error for lost recalls', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const error = jest.spyOn(console, 'error').mockImplementation(() => {});
    const handler = handlerWith({ onRecall: () => Promise.reject(new Error('down')) });
    await handler(post(createRecallEvent(), createCallbackQuery(SDK_APP_ID, { token: 'wrong-token' })));
    await handler(post(createRecallEvent()));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain('answered 401 FAIL');
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0][0]).toContain('answered 500 FAIL (the recall handler failed: down)');
  });

  it('is silenced by levels that do nothing', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const error = jest.spyOn(console, 'error').mockImplementation(() => {});
    const handler = handlerWith({ log: { warn() {}, error() {} }, onRecall: () => Promise.reject(new Error('x')) });
    await handler(post(createRecallEvent(), createCallbackQuery(SDK_APP_ID, { token: 'wrong-token' })));
    await handler(post(createRecallEvent()));
    expect(warn).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });

  it('writes a recall whose handler failed after the OK answer as lost', async () => {
    const { log, lines } = recordingLog();
    const handler = handlerWith({ log, respond: 'immediately', onRecall: () => Promise.reject(new Error('late')) });
    expect((await handler(post(createRecallEvent({ GroupId: 'late-group' }))))!.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines).toEqual([
      {
        level: 'error',
        message: expect.stringMatching(
          /onRecall failed after the recall was acknowledged, so Tencent will not send it again: .*group "late-group".*: late$/,
        ),
      },
    ]);
  });
});

describe('an async onError', () => {
  it('that rejects is caught and logged, never an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { log, lines } = recordingLog();
      const handler = handlerWith({
        log,
        onRecall: () => {
          throw new Error('handler broke');
        },
        onError: async () => {
          throw new Error('onError broke');
        },
      });
      expect((await handler(post(createRecallEvent())))!.status).toBe(500);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
      expect(lines.map((line) => line.message)).toContain('tencent-chat-recall-webhook: onError threw: onError broke');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('a log that throws', () => {
  afterEach(() => jest.restoreAllMocks());

  it('still lets the answer out, and its line goes to the console', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => {});
    const handler = handlerWith({
      log: {
        warn() {
          throw new Error('logger broke');
        },
      },
    });
    const response = await handler(
      post(createRecallEvent(), createCallbackQuery(SDK_APP_ID, { token: 'wrong-token' })),
    );
    expect(response!.status).toBe(401);
    expect(error).toHaveBeenCalledWith(expect.stringContaining('answered 401 FAIL (Sign does not match)'));
  });
});
