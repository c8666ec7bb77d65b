/** Timeouts and `respond`. */
import { type Case, fail, OK, type RecallKind } from './support';

export function timeoutCases({ label, query, body, invalid }: RecallKind): Case[] {
  return [
    {
      name: label + 'acknowledges with OK at timeoutMs when onRecall is still running',
      behaviour: 'slow-resolve',
      options: { timeoutMs: 50 },
      query: query(),
      body: body(),
      expected: { ...OK, minElapsedMs: 45, answeredBeforeSettled: true },
    },
    {
      name: label + 'acknowledges when onRecall never settles',
      behaviour: 'never-settle',
      options: { timeoutMs: 50 },
      query: query(),
      body: body(),
      expected: { ...OK, minElapsedMs: 45 },
    },
    {
      name: label + 'reports a failure after the timeout acknowledgement to onError',
      behaviour: 'slow-reject',
      options: { timeoutMs: 50 },
      query: query(),
      body: body(),
      expected: { ...OK, minElapsedMs: 45, onErrorStage: 'after-answer' },
    },
    {
      name: label + "respond: 'immediately' answers OK before a slow onRecall finishes",
      behaviour: 'slow-resolve',
      options: { respond: 'immediately' },
      query: query(),
      body: body(),
      expected: { ...OK, answeredBeforeSettled: true },
    },
    {
      name: label + "respond: 'immediately' answers OK when onRecall throws, and tells onError",
      behaviour: 'throw',
      options: { respond: 'immediately' },
      query: query(),
      body: body(),
      expected: { ...OK, onErrorStage: 'after-answer' },
    },
    {
      name: label + "respond: 'immediately' still rejects an invalid body",
      options: { respond: 'immediately' },
      query: query(),
      body: invalid.body,
      expected: fail(400, invalid.field),
    },
  ];
}
