// `tencent-chat-recall-webhook/fastify`: the Fastify plugin; the only entry that names Fastify's types.
export { recallWebhook, type OtherCommandHandler, type RecallWebhookPluginOptions } from '../adapters/fastify';
export * from './public';
