import { createCallbackQuery, createRecallEvent, DEMO_SDK_APP_ID } from '../lib/testing/index';

/** The SDKAppID and token every benchmark server is configured with. */
export const SDK_APP_ID = DEMO_SDK_APP_ID;
export const TOKEN = 'bench-callback-token';
export const CALLBACK_PATH = '/tencent-chat/callback';

/** One realistic recall body (a Community topic, one message with its MsgId), sent by every request. */
export const RECALL_BODY = JSON.stringify(createRecallEvent());

/** The query Tencent sends without a token. */
export const UNSIGNED_PATH = `${CALLBACK_PATH}?${new URLSearchParams(createCallbackQuery(SDK_APP_ID))}`;

/**
 * The signed path for `now`. Tencent signs every request; the load generator signs once per round
 * (a batch), which stays fresh because a round is shorter than the 60 s tolerance, while the
 * server still verifies every request.
 */
export function signedPath(now: number = Date.now()): string {
  const query = createCallbackQuery(SDK_APP_ID, { token: TOKEN, timestamp: now });
  return `${CALLBACK_PATH}?${new URLSearchParams(query)}`;
}
