import bytes from 'bytes';
import { HANDLER_OPTIONS, isRecallCommand } from '../protocol/commands';
import { TENCENT_DEADLINE_MS } from '../protocol/answers';
import { isPlainArray, isPlainObject } from '../protocol/wire';
import { MAX_TIMER_MS } from '../delivery/options';
import { TAKERS } from '../delivery/takers';
import type { RecallWebhookOptions } from './types';

const DIGITS = /^[1-9]\d*$/;

type Check = (value: unknown) => boolean;

const isUndefinedOr =
  (check: Check): Check =>
  (value) =>
    value === undefined || check(value);
const isFunction: Check = (value) => typeof value === 'function';
const isIntegerFrom1: Check = (value) => Number.isSafeInteger(value) && (value as number) >= 1;
const isTimerMs: Check = (value) => isIntegerFrom1(value) && (value as number) <= MAX_TIMER_MS;
const isMsBelowDeadline: Check = (value) => isIntegerFrom1(value) && (value as number) < TENCENT_DEADLINE_MS;
const isSdkAppId: Check = (value) =>
  (Number.isSafeInteger(value) && (value as number) > 0) || (typeof value === 'string' && DIGITS.test(value));
const isToken: Check = (value) => typeof value === 'string' && value.length > 0;
const isTokenList: Check = (value) => isToken(value) || isListOf(value, isToken);

/** A non-empty plain array whose every item passes `check`. */
function isListOf(value: unknown, check: Check): boolean {
  if (!isPlainArray(value) || value.length === 0) return false;
  for (let i = 0; i < value.length; i++) if (!check(value[i])) return false;
  return true;
}

/** A plain object with only string keys, each one of `checks` and passing its check. */
function hasOnly(value: unknown, checks: Readonly<Record<string, Check>>): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key !== 'string' || !Object.hasOwn(checks, key) || !checks[key](value[key])) return false;
  }
  return true;
}

const isSize: Check = (value) => {
  if (typeof value !== 'string') return isIntegerFrom1(value);
  // A string Joi's number() reads as a number ('1e3', '0x10') is converted by Joi, not parsed as a
  // size: Joi decides it.
  if (value.trim() !== '' && !Number.isNaN(Number(value))) return false;
  const parsed = value.length > 0 ? bytes.parse(value) : null;
  return parsed !== null && Number.isFinite(parsed) && parsed > 0;
};

const isTokenOption: Check = (value) => {
  if (!isPlainObject(value)) return isTokenList(value);
  const apps = Reflect.ownKeys(value);
  return apps.length > 0 && apps.every((app) => typeof app === 'string' && DIGITS.test(app) && isTokenList(value[app]));
};

const hasMethods =
  (...names: string[]): Check =>
  (value) =>
    names.every((name) => typeof (value as Record<string, unknown> | null | undefined)?.[name] === 'function');

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'];
const isLog: Check = (value) =>
  typeof value === 'object' &&
  value !== null &&
  LOG_LEVELS.every((level) => {
    const write = (value as Record<string, unknown>)[level];
    return write === undefined || isFunction(write);
  });
const isCommandList: Check = (value) =>
  isListOf(value, isRecallCommand) && new Set(value as unknown[]).size === (value as unknown[]).length;

export const DEDUPE_CHECKS: Readonly<Record<string, Check>> = {
  store: hasMethods('claim', 'release'),
  ttlSeconds: isUndefinedOr(isIntegerFrom1),
  timeoutMs: isUndefinedOr(isTimerMs),
};

/** One check per option the schema knows; an option without one sends the options to Joi. */
export const OPTION_CHECKS: Readonly<Record<string, Check>> = {
  sdkAppId: (value) => isSdkAppId(value) || isListOf(value, isSdkAppId),
  ...Object.fromEntries(HANDLER_OPTIONS.map((option) => [option, isUndefinedOr(isFunction)])),
  queue: isUndefinedOr(hasMethods('add')),
  queueDeduplicationSeconds: isUndefinedOr(isIntegerFrom1),
  queueCommands: isUndefinedOr(isCommandList),
  queueMaxPendingAdds: isUndefinedOr(isIntegerFrom1),
  log: isUndefinedOr(isLog),
  limit: isUndefinedOr(isSize),
  bodyTimeoutMs: isUndefinedOr(isMsBelowDeadline),
  timeoutMs: isUndefinedOr(isMsBelowDeadline),
  respond: isUndefinedOr((value) => value === 'after-callback' || value === 'immediately'),
  onError: isUndefinedOr(isFunction),
  token: isUndefinedOr(isTokenOption),
  toleranceSeconds: isUndefinedOr(isIntegerFrom1),
  now: isUndefinedOr(isFunction),
  dedupe: isUndefinedOr((value) => hasOnly(value, DEDUPE_CHECKS) && value.store !== undefined),
};

/**
 * True only for options the schema in options-schema.ts accepts as they are (nothing to convert),
 * checked without Joi so that valid options do not load it. It is stricter than the schema (plain
 * objects and arrays, no conversions, only the options it knows); whatever it does not accept goes
 * to Joi, which decides and names the option. __tests__/http/plain-options.test.ts checks that it
 * never accepts what the schema rejects.
 */
export function isPlainValidOptions<Req>(options: unknown): options is RecallWebhookOptions<Req> {
  return (
    hasOnly(options, OPTION_CHECKS) &&
    options.sdkAppId !== undefined &&
    TAKERS.some((option) => options[option] !== undefined)
  );
}
