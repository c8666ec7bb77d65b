// `tencent-chat-recall-webhook/node`: the node:http listener, with no Express types.
export { createRecallListener, type NextHandler, type RecallListener } from '../adapters/node-http';
export * from './public';
