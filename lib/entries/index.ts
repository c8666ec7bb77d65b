export { recallWebhook, type ExpressRequestLike } from '../adapters/express';
export { createRecallHandler, type RecallHandlerContext } from '../adapters/fetch';
export { createRecallListener, type NextHandler, type RecallListener } from '../adapters/node-http';
export * from './public';
