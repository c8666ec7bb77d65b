import { specOf } from './commands';
import { sha256Hex } from './signature';
import type { AnyRecallEvent } from './types';

const KEY_PREFIX = 'tencent-chat-recall-webhook:recall:';

/**
 * A fixed-size digest of the fields that name one recall: the same for every copy Tencent sends
 * and for the same recall found by reconciliation, different for any two recalls. The fields are JSON-encoded so that no ID can run into the next
 * field, and hashed so that a sender cannot make a key as large as its body.
 */
function recallDigest(event: AnyRecallEvent): string {
  const fields = [event.callbackCommand, event.sdkAppId, ...specOf(event).keyFields(event)];
  return sha256Hex(JSON.stringify(fields));
}

/** The key under which a delivery is remembered in a dedupe store (81 characters whatever the event). */
export function dedupeKey(event: AnyRecallEvent): string {
  return KEY_PREFIX + recallDigest(event);
}

/** The BullMQ deduplication id of a recall's job: no `:`, never all digits, 71 characters. */
export function jobDeduplicationId(event: AnyRecallEvent): string {
  return 'recall-' + recallDigest(event);
}
