/**
 * The Joi-free check of the options must never accept options the Joi schema rejects, and what it
 * accepts must normalise exactly as Joi's output does, so that it only ever spares loading Joi.
 */
import fc from 'fast-check';
import { isPlainMemoryStoreOptions, validateWithJoi } from '../../lib/delivery/memory-store';
import { normalizeOptions } from '../../lib/http/options';
import { optionsSchema } from '../../lib/http/options-schema';
import { DEDUPE_CHECKS, isPlainValidOptions, OPTION_CHECKS } from '../../lib/http/plain-options';
import { memoryStore } from '../../lib/entries';
import { RECALL_COMMANDS } from '../../lib/protocol/commands';
import { EVERY_OPTIONAL_UNDEFINED } from '../support/options';

const RUNS = 3000;

const onRecall = () => {};
const store = { claim: async () => true, release: async () => {} };
const queue = { add: async () => ({}) };

// Values at and around every boundary the schema draws, plus whatever else an option might hold.
const loose = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(0, -0, -1, 1.5, 1999, 2000, NaN, Infinity, Number.MAX_SAFE_INTEGER + 1, 1e21),
  fc.constantFrom('', ' 1', '1e3', '007', '0', '5', '1500', null, [], {}, [''], Object.create(null) as object),
  fc.constant(() => {}),
  fc.constant(Object.assign(() => {}, { add: () => {} })),
);
/** Mostly a valid value, sometimes absent, now and then one near the boundary or anything at all. */
const mostly = <T>(valid: fc.Arbitrary<T>, near: fc.Arbitrary<unknown> = loose) =>
  fc.oneof(
    { weight: 40, arbitrary: valid },
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: near },
    { weight: 1, arbitrary: loose },
  );

const appId = fc.oneof(fc.integer({ min: 1 }), fc.stringMatching(/^[1-9]\d{0,11}$/));
const badAppId = fc.constantFrom(0, -1, 1.5, '0', '01', ' 1', '1e9', 'x', '', []);
const token = fc.string({ minLength: 1, maxLength: 8 });
const tokens = fc.oneof(token, fc.array(token, { minLength: 1, maxLength: 3 }));
const badTokens = fc.constantFrom('', [], [''], ['a', ''], {}, { 0: 'a' }, { '01': 'a' }, { x: 'a' }, { 1: '' });
const size = fc.oneof(
  fc.integer({ min: 1, max: 1 << 22 }),
  fc.constantFrom('100kb', '1mb', '1b', '1.5kb', '1KB', '10'),
);
const badSize = fc.constantFrom(0, -1, 1.5, '0.5b', '0kb', '-1kb', '1 kb', ' 1kb', 'big', '1e3', '', Infinity);
const ms = fc.integer({ min: 1, max: 1999 });
const badMs = fc.constantFrom(0, -1, 2000, 2001, 10.5, '1500');
// A timer waits at most 2^31 - 1 ms.
const timerMs = fc.oneof(ms, fc.integer({ min: 2 ** 31 - 10, max: 2 ** 31 - 1 }));
const badTimerMs = fc.constantFrom(0, -1, 10.5, '100', 2 ** 31, 2 ** 32);
const seconds = fc.integer({ min: 1, max: 1e6 });
const badSeconds = fc.constantFrom(0, -1, 1.5, '60', Number.MAX_SAFE_INTEGER + 1);

const options = fc.record(
  {
    sdkAppId: mostly(
      fc.oneof(appId, fc.array(appId, { minLength: 1, maxLength: 3 })),
      fc.oneof(badAppId, fc.array(badAppId)),
    ),
    onRecall: mostly(fc.constant(onRecall)),
    onC2CRecall: mostly(fc.constant(onRecall)),
    onOfficialAccountRecall: mostly(fc.constant(onRecall)),
    queue: mostly(fc.constant(queue), fc.constantFrom({ name: 'recalls' }, null, { add: 'x' })),
    queueDeduplicationSeconds: mostly(seconds, badSeconds),
    queueCommands: mostly(
      fc.subarray([...RECALL_COMMANDS], { minLength: 1 }),
      fc.constantFrom([], ['Group.CallbackAfterRecallMsg', 'Group.CallbackAfterRecallMsg'], ['Other'], 'x'),
    ),
    queueMaxPendingAdds: mostly(seconds, badSeconds),
    log: mostly(
      fc.record({ warn: fc.constant(onRecall), error: fc.constant(onRecall) }, { requiredKeys: [] }),
      fc.constantFrom({ warn: 'x' }, null, 'console', { error: 1 }),
    ),
    limit: mostly(size, badSize),
    bodyTimeoutMs: mostly(ms, badMs),
    timeoutMs: mostly(ms, badMs),
    respond: mostly(fc.constantFrom('after-callback', 'immediately'), fc.constantFrom('later', '', 'Immediately')),
    onError: mostly(fc.constant(onRecall)),
    token: mostly(fc.oneof(tokens, fc.dictionary(appId.map(String), tokens, { minKeys: 1, maxKeys: 3 })), badTokens),
    toleranceSeconds: mostly(seconds, badSeconds),
    now: mostly(fc.constant(Date.now)),
    dedupe: mostly(
      fc.record(
        {
          store: mostly(fc.constant(store), fc.constantFrom({ claim: () => true }, null)),
          ttlSeconds: mostly(seconds, badSeconds),
          timeoutMs: mostly(timerMs, badTimerMs),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: ['sdkAppId'] },
);
/** Now and then an option the schema does not know. */
const optionsOrUnknown = fc.oneof(
  { weight: 9, arbitrary: options },
  { weight: 1, arbitrary: fc.tuple(options, loose).map(([value, extra]) => ({ ...value, timeout: extra })) },
);

const schemaAccepts = (value: unknown) => optionsSchema.validate(value).error === undefined;

describe('isPlainValidOptions, the check before Joi', () => {
  // A new option goes into both, with its default in normalizeOptions: a default in the schema
  // would apply only to options that went through Joi.
  it('knows the options the schema knows, and the schema sets no defaults', () => {
    const described = optionsSchema.describe() as {
      keys: Record<string, { flags?: { default?: unknown }; keys?: Record<string, { flags?: object }> }>;
    };
    expect(Object.keys(OPTION_CHECKS).sort()).toEqual(Object.keys(described.keys).sort());
    expect(Object.keys(DEDUPE_CHECKS).sort()).toEqual(Object.keys(described.keys.dedupe.keys ?? {}).sort());
    const defaults = [
      ...Object.entries(described.keys),
      ...Object.entries(described.keys.dedupe.keys ?? {}).map(([name, key]) => [`dedupe.${name}`, key] as const),
    ].filter(([, key]) => key.flags !== undefined && 'default' in key.flags);
    expect(defaults.map(([name]) => name)).toEqual([]);
  });

  it('never accepts options the Joi schema rejects, and they normalise as Joi’s output does', () => {
    let accepted = 0;
    fc.assert(
      fc.property(optionsOrUnknown, (value) => {
        if (!isPlainValidOptions(value)) return;
        accepted++;
        const { error, value: converted } = optionsSchema.validate(value);
        expect(error).toBeUndefined();
        const normalize = (input: unknown) => {
          try {
            return normalizeOptions(input as Parameters<typeof normalizeOptions>[0], 'test');
          } catch (failure) {
            return (failure as Error).message;
          }
        };
        expect(normalize(value)).toEqual(normalize(converted));
      }),
      { numRuns: RUNS },
    );
    // The generator must reach acceptance often, or the property says little.
    expect(accepted).toBeGreaterThan(RUNS / 20);
  });

  it('never accepts what the schema rejects, for any value at all', () => {
    const anyValue = fc.oneof(
      options,
      fc.anything({ withNullPrototype: true, withSparseArray: true, withBoxedValues: true, withMap: true }),
      options.map((value) => Object.assign(Object.create(null), value) as object),
      options.map((value) => ({ ...value, [Symbol('extra')]: 1 })),
    );
    fc.assert(
      fc.property(anyValue, (value) => {
        if (isPlainValidOptions(value)) expect(schemaAccepts(value)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('leaves a size Joi reads as a number to Joi, which converts it', () => {
    for (const limit of ['1e3', '0x10', '10']) {
      expect(isPlainValidOptions({ sdkAppId: 1, onRecall, limit })).toBe(false);
    }
    expect(normalizeOptions({ sdkAppId: 1, onRecall, limit: '1e3' }, 'test').limit).toBe(1000);
  });

  it('accepts the configurations the guides show, so they do not load Joi', () => {
    const configurations = [
      { sdkAppId: 1400000000, onRecall },
      { sdkAppId: '1400000000', token: 'secret', onRecall, onC2CRecall: onRecall },
      { sdkAppId: [1400000000, 1400000001], token: { 1400000000: 'a', 1400000001: ['b', 'c'] }, onRecall },
      { sdkAppId: 1400000000, queue, limit: '1mb', timeoutMs: 1000, bodyTimeoutMs: 500, onError: onRecall },
      { sdkAppId: 1400000000, onRecall, dedupe: { store, ttlSeconds: 3600, timeoutMs: 100 }, respond: 'immediately' },
      { sdkAppId: 1400000000, onRecall, ...EVERY_OPTIONAL_UNDEFINED },
      { sdkAppId: 1400000000, onRecall, toleranceSeconds: 120, now: Date.now },
    ];
    for (const configuration of configurations) {
      expect(isPlainValidOptions(configuration)).toBe(true);
      expect(schemaAccepts(configuration)).toBe(true);
    }
  });
});

describe('isPlainMemoryStoreOptions, the check before Joi', () => {
  it('never accepts options Joi rejects', () => {
    const anyValue = fc.oneof(
      fc.record({ max: mostly(fc.integer({ min: -1 })), other: loose }, { requiredKeys: [] }),
      fc.anything({ withNullPrototype: true, withBoxedValues: true }),
    );
    let accepted = 0;
    fc.assert(
      fc.property(anyValue, (value) => {
        if (!isPlainMemoryStoreOptions(value)) return;
        accepted++;
        expect(() => validateWithJoi(value)).not.toThrow();
      }),
      { numRuns: RUNS },
    );
    expect(accepted).toBeGreaterThan(RUNS / 20);
  });

  it('lets Joi explain the options it does not accept, and convert what Joi converts', () => {
    expect(() => memoryStore({ max: 0 })).toThrow(
      /memoryStore: invalid options: "max" must be greater than or equal to 1/,
    );
    expect(() => memoryStore({ max: 5, maxx: 1 } as never)).toThrow(/"maxx" is not allowed/);
    expect(validateWithJoi({ max: '5' })).toEqual({ max: 5 });
  });
});
