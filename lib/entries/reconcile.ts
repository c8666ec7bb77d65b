// `tencent-chat-recall-webhook/reconcile`: finding recalls the webhook missed, through Tencent's
// REST API. The only entry that loads tls-sig-api-v2.
export * from '../reconcile/chat-api-client';
export * from '../reconcile/reconcile';
export * from '../reconcile/active-groups';
