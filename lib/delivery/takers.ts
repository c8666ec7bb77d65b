import { HANDLER_OPTIONS } from '../protocol/commands';

/** The options of which a receiver or a reconciler needs at least one: a handler, or the queue. */
export const TAKERS = [...HANDLER_OPTIONS, 'queue'] as const;

/** Joi's message for options that need at least one of `takers`, the last of which is `queue`. */
export function takerRequired(takers: readonly string[]): { 'object.missing': string } {
  const handlers = takers.slice(0, -1).map((option) => `"${option}"`);
  return { 'object.missing': `at least one of ${handlers.join(', ')} or "${takers.at(-1)}" is required` };
}
