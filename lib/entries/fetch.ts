// `tencent-chat-recall-webhook/fetch`: the Fetch handler, with neither Express nor node:http types.
export { createRecallHandler, type RecallHandlerContext } from '../adapters/fetch';
export * from './public';
