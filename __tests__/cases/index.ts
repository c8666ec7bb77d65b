/**
 * The behaviour table: one list of requests and the answer each must get, one file per rule.
 * `express.test.ts`, `fetch.test.ts` and `listener.test.ts` run every case against their adapter.
 * The rules that do not depend on the callback command run for every recall (group, one-to-one
 * and Official Account); the claim, the schema and the event mapping have cases of their own per command.
 */
import { appCases } from './app';
import { bodyCases } from './body';
import { c2cCases } from './c2c';
import { callbackCases } from './callback';
import { groupClaimCases, groupEventCases, groupSchemaCases } from './group';
import { officialAccountCases } from './official-account';
import { C2C, GROUP, OFFICIAL_ACCOUNT, type Case } from './support';
import { timeoutCases } from './timeouts';
import { tokenCases } from './token';

export * from './support';
export { c2cEvent } from './c2c';
export { officialAccountEvent } from './official-account';

export const cases: Case[] = [
  ...groupClaimCases,
  ...appCases(GROUP),
  ...bodyCases(GROUP),
  ...groupSchemaCases,
  ...groupEventCases,
  ...callbackCases(GROUP),
  ...timeoutCases(GROUP),
  ...tokenCases(GROUP),
  // One-to-one recalls: every generic rule again, then what is their own.
  ...appCases(C2C),
  ...bodyCases(C2C),
  ...callbackCases(C2C),
  ...timeoutCases(C2C),
  ...tokenCases(C2C),
  ...c2cCases,
  // Official Account recalls: the same again.
  ...appCases(OFFICIAL_ACCOUNT),
  ...bodyCases(OFFICIAL_ACCOUNT),
  ...callbackCases(OFFICIAL_ACCOUNT),
  ...timeoutCases(OFFICIAL_ACCOUNT),
  ...tokenCases(OFFICIAL_ACCOUNT),
  ...officialAccountCases,
];
