// `tencent-chat-recall-webhook/testing`: what a user's tests need to send recalls like Tencent,
// and a fake of Tencent's Chat server (REST API and recall webhooks) to reconcile against.
export * from '../testing';
export * from '../testing/fake-chat-server';
