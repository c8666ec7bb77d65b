export { recallWebhook } from './express';
export { createRecallHandler, type RecallHandlerContext } from './fetch';
export { createRecallListener, type NextHandler, type RecallListener } from './node-http';
export * from './public';
