/** Every optional option of recallWebhook and createRecallHandler, set to undefined. */
export const EVERY_OPTIONAL_UNDEFINED = {
  onC2CRecall: undefined,
  onOfficialAccountRecall: undefined,
  queue: undefined,
  queueDeduplicationSeconds: undefined,
  limit: undefined,
  bodyTimeoutMs: undefined,
  timeoutMs: undefined,
  respond: undefined,
  onError: undefined,
  token: undefined,
  toleranceSeconds: undefined,
  now: undefined,
  dedupe: undefined,
  log: undefined,
  queueCommands: undefined,
  queueMaxPendingAdds: undefined,
};
