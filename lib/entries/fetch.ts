// `tencent-chat-recall-webhook/fetch`: the Fetch handler, with neither Express nor node:http types.
export { createRecallHandler, type RecallHandlerContext } from '../fetch';
export * from '../public';
