// `tencent-chat-recall-webhook/koa`: the Koa middleware; the only entry that names Koa's types.
export { recallWebhook } from '../adapters/koa';
export * from './public';
