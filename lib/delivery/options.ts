import { HANDLER_OPTIONS, RECALL_COMMANDS } from '../protocol/commands';
import type { DeliveryOptions, DeliverySettings } from './deliver';
import { normalizeLog } from './log';
import { DEFAULT_MAX_PENDING_ADDS, normalizeQueue } from './queue';

/** The longest a Node timer can wait, in ms (about 24.8 days): a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const ONE_DAY_SECONDS = 24 * 60 * 60;
const DEFAULT_DEDUPE_TIMEOUT_MS = 200;

/** The settings a delivery runs on, from options already validated, with the defaults filled in. */
export function deliverySettings<Req>(
  valid: DeliveryOptions<Req>,
  respond: DeliverySettings<Req>['respond'],
): DeliverySettings<Req> {
  return {
    handlers: Object.fromEntries(HANDLER_OPTIONS.map((option) => [option, valid[option]])),
    queue:
      valid.queue &&
      normalizeQueue({
        queue: valid.queue,
        deduplicationSeconds: valid.queueDeduplicationSeconds ?? ONE_DAY_SECONDS,
        commands: valid.queueCommands ?? RECALL_COMMANDS,
        maxPendingAdds: valid.queueMaxPendingAdds ?? DEFAULT_MAX_PENDING_ADDS,
      }),
    dedupe: valid.dedupe && {
      store: valid.dedupe.store,
      ttlMs: (valid.dedupe.ttlSeconds ?? ONE_DAY_SECONDS) * 1000,
      timeoutMs: valid.dedupe.timeoutMs ?? DEFAULT_DEDUPE_TIMEOUT_MS,
    },
    respond,
    onError: valid.onError,
    log: normalizeLog(valid.log),
  };
}
