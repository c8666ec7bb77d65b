// `tencent-chat-recall-webhook/reconcile`: finding recalls the webhook missed, through Tencent's
// REST API. The only entry that loads tls-sig-api-v2.
export * from '../reconcile/chat-api-client';
export {
  DEFAULT_MAX_PAGES_PER_CONVERSATION,
  DEFAULT_RECALL_TIME_LIMIT_SECONDS,
  HistoryPagingError,
  PassStoppedError,
  reconcileRecalls,
  UnreadableHistoryError,
  type ConversationToReconcile,
  type FoundRecall,
  type GroupToReconcile,
  type HistoryClient,
  type ReconciledConversation,
  type ReconciledRecallEvent,
  type ReconcileFailure,
  type ReconcileOptions,
  type ReconcileReport,
  type ReconcileWindow,
} from '../reconcile/reconcile';
export { listActiveGroups, type ActiveGroup, type ListActiveGroupsOptions } from '../reconcile/active-groups';
