// `tencent-chat-recall-webhook/testing`: what a user's tests need to send recalls like Tencent.
export * from '../testing';
