/** Options are validated once, when the factory is called. */
import { createRecallHandler, DEFAULT_JOB_OPTIONS, recallWebhook } from '../../lib/entries';
import { normalizeOptions } from '../../lib/http/options';
import { SDK_APP_ID } from '../cases';
import { EVERY_OPTIONAL_UNDEFINED } from '../support/options';

const onRecall = () => {};
const valid = { sdkAppId: SDK_APP_ID, onRecall };
const queue = { add: () => Promise.resolve({}) };

describe.each([
  ['recallWebhook', recallWebhook as (o: unknown) => unknown],
  ['createRecallHandler', createRecallHandler as (o: unknown) => unknown],
])('%s options', (factory, create) => {
  const invalid: Array<[string, unknown, string]> = [
    ['no options at all', undefined, 'value'],
    ['sdkAppId missing', { onRecall }, 'sdkAppId'],
    ['sdkAppId zero', { ...valid, sdkAppId: 0 }, 'sdkAppId'],
    ['sdkAppId negative', { ...valid, sdkAppId: -1400000000 }, 'sdkAppId'],
    ['sdkAppId a fraction', { ...valid, sdkAppId: 1400000000.5 }, 'sdkAppId'],
    ['sdkAppId letters', { ...valid, sdkAppId: 'my-app' }, 'sdkAppId'],
    ['sdkAppId empty string', { ...valid, sdkAppId: '' }, 'sdkAppId'],
    ['sdkAppId an empty array', { ...valid, sdkAppId: [] }, 'sdkAppId'],
    ['sdkAppId an array with a bad id', { ...valid, sdkAppId: [SDK_APP_ID, 'x'] }, 'sdkAppId'],
    ['sdkAppId an object', { ...valid, sdkAppId: { id: 1 } }, 'sdkAppId'],
    ['sdkAppId in exponent notation', { ...valid, sdkAppId: '1e9' }, 'sdkAppId'],
    ['sdkAppId padded with spaces', { ...valid, sdkAppId: ' 14 ' }, 'sdkAppId'],
    ['onRecall missing', { sdkAppId: SDK_APP_ID }, 'onRecall'],
    ['onRecall not a function', { ...valid, onRecall: 'handler' }, 'onRecall'],
    ['no handler and no queue', { sdkAppId: SDK_APP_ID, onRecall: undefined }, 'onC2CRecall'],
    ['onC2CRecall not a function', { ...valid, onC2CRecall: {} }, 'onC2CRecall'],
    ['onOfficialAccountRecall not a function', { ...valid, onOfficialAccountRecall: 1 }, 'onOfficialAccountRecall'],
    ['queue without add', { ...valid, queue: { name: 'recalls' } }, 'queue'],
    ['queue null', { ...valid, queue: null }, 'queue'],
    ['queueDeduplicationSeconds zero', { ...valid, queue, queueDeduplicationSeconds: 0 }, 'queueDeduplicationSeconds'],
    ['queue with respond immediately', { ...valid, queue, respond: 'immediately' }, 'queue'],
    ['an unknown option', { ...valid, sdkAppID: SDK_APP_ID }, 'sdkAppID'],
    ['another unknown option', { ...valid, timeout: 100 }, 'timeout'],
    ['limit zero', { ...valid, limit: 0 }, 'limit'],
    ['limit negative', { ...valid, limit: -5 }, 'limit'],
    ['limit not a size', { ...valid, limit: 'big' }, 'limit'],
    ['limit 0kb', { ...valid, limit: '0kb' }, 'limit'],
    ['limit a fraction of a byte', { ...valid, limit: 10.5 }, 'limit'],
    ['limit Infinity', { ...valid, limit: Infinity }, 'limit'],
    ['timeoutMs zero', { ...valid, timeoutMs: 0 }, 'timeoutMs'],
    ['timeoutMs at Tencent’s 2 s deadline', { ...valid, timeoutMs: 2000 }, 'timeoutMs'],
    ['timeoutMs a fraction', { ...valid, timeoutMs: 10.5 }, 'timeoutMs'],
    ['timeoutMs not a number', { ...valid, timeoutMs: 'soon' }, 'timeoutMs'],
    ['bodyTimeoutMs more than timeoutMs', { ...valid, timeoutMs: 500, bodyTimeoutMs: 600 }, 'bodyTimeoutMs'],
    ['respond unknown', { ...valid, respond: 'later' }, 'respond'],
    ['onError not a function', { ...valid, onError: true }, 'onError'],
    ['token empty', { ...valid, token: '' }, 'token'],
    ['token an empty array', { ...valid, token: [] }, 'token'],
    ['token an array with an empty token', { ...valid, token: ['a', ''] }, 'token[1]'],
    ['token a number', { ...valid, token: 1234 }, 'token'],
    ['toleranceSeconds zero', { ...valid, toleranceSeconds: 0 }, 'toleranceSeconds'],
    ['now not a function', { ...valid, now: 1669872112000 }, 'now'],
  ];

  it.each(invalid)('throws a TypeError naming the option: %s', (_name, options, named) => {
    let thrown: unknown;
    try {
      create(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toContain(`${factory}: invalid options`);
    expect((thrown as Error).message).toContain(`"${named}"`);
  });

  it.each([
    ['a number', { ...valid }],
    ['a numeric string', { ...valid, sdkAppId: String(SDK_APP_ID) }],
    ['an array', { ...valid, sdkAppId: [SDK_APP_ID, '1400000001'] }],
    [
      'every option',
      {
        ...valid,
        limit: '2mb',
        timeoutMs: 1999,
        respond: 'immediately',
        onError: () => {},
        token: ['a', 'b'],
        toleranceSeconds: 30,
        now: () => 0,
      },
    ],
    ['only onC2CRecall', { sdkAppId: SDK_APP_ID, onC2CRecall: onRecall }],
    ['only onOfficialAccountRecall', { sdkAppId: SDK_APP_ID, onOfficialAccountRecall: onRecall }],
    ['only a queue', { sdkAppId: SDK_APP_ID, queue, queueDeduplicationSeconds: 600 }],
    ['every optional option explicitly undefined', { ...valid, ...EVERY_OPTIONAL_UNDEFINED }],
  ])('accepts %s', (_name, options) => {
    expect(typeof create(options)).toBe('function');
  });
});

describe('normalizeOptions', () => {
  it('fills in the defaults', () => {
    const normalized = normalizeOptions(valid, 'f');
    expect(normalized).toEqual({
      sdkAppIds: new Set([String(SDK_APP_ID)]),
      delivery: {
        handlers: { onRecall, onC2CRecall: undefined, onOfficialAccountRecall: undefined },
        queue: undefined,
        respond: 'after-callback',
        onError: undefined,
        dedupe: undefined,
        log: {
          debug: expect.any(Function),
          info: expect.any(Function),
          warn: expect.any(Function),
          error: expect.any(Function),
        },
      },
      limit: 100 * 1024,
      timeoutMs: 1500,
      bodyTimeoutMs: 1000,
      tokensByApp: new Map(),
      toleranceSeconds: 60,
      now: Date.now,
    });
  });

  it('treats an explicitly undefined option as absent', () => {
    expect(normalizeOptions({ ...valid, ...EVERY_OPTIONAL_UNDEFINED }, 'f')).toEqual(normalizeOptions(valid, 'f'));
  });

  it('fills in only the job defaults the Queue itself leaves unset', () => {
    const plain = normalizeOptions({ ...valid, queue }, 'f').delivery.queue!;
    expect(plain.jobOptions).toEqual(DEFAULT_JOB_OPTIONS);
    expect(plain.deduplicationTtlMs).toBe(24 * 60 * 60 * 1000);
    const own = { ...queue, defaultJobOptions: { attempts: 3, removeOnComplete: true } };
    const tuned = normalizeOptions({ ...valid, queue: own, queueDeduplicationSeconds: 60 }, 'f').delivery.queue!;
    expect(tuned.jobOptions).toEqual({ backoff: DEFAULT_JOB_OPTIONS.backoff, removeOnFail: false });
    expect(tuned.deduplicationTtlMs).toBe(60_000);
    expect(tuned.queue).toBe(own);
  });

  it('lowers the default bodyTimeoutMs to a shorter timeoutMs', () => {
    expect(normalizeOptions({ ...valid, timeoutMs: 400 }, 'f').bodyTimeoutMs).toBe(400);
    expect(normalizeOptions({ ...valid, timeoutMs: 400, bodyTimeoutMs: 300 }, 'f').bodyTimeoutMs).toBe(300);
  });

  it('turns every sdkAppId into a string and sizes into bytes', () => {
    const normalized = normalizeOptions(
      { ...valid, sdkAppId: [1400000001, '1400000002'], limit: '2kb', token: 'only' },
      'f',
    );
    expect([...normalized.sdkAppIds]).toEqual(['1400000001', '1400000002']);
    expect(normalized.limit).toBe(2048);
    // A shared token stands for every app.
    expect(normalized.tokensByApp).toEqual(
      new Map([
        ['1400000001', ['only']],
        ['1400000002', ['only']],
      ]),
    );
    expect(normalizeOptions({ ...valid, limit: 5000 }, 'f').limit).toBe(5000);
  });

  it('never puts a token in its error', () => {
    expect(() => normalizeOptions({ ...valid, token: ['secret-token-value', 7 as unknown as string] }, 'f')).toThrow(
      TypeError,
    );
    try {
      normalizeOptions({ ...valid, token: ['secret-token-value', 7 as unknown as string] }, 'f');
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-token-value');
    }
  });
});
