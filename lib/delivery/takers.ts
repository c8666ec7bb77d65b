import { HANDLER_OPTIONS } from '../protocol/commands';

/** The options of which a receiver or a reconciler needs at least one: a handler, or the queue. */
export const TAKERS = [...HANDLER_OPTIONS, 'queue'] as const;
