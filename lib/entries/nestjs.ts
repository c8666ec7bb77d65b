// `tencent-chat-recall-webhook/nestjs`: the NestJS module; the only entry that loads NestJS.
export {
  RecallWebhookModule,
  type RecallWebhookModuleAsyncOptions,
  type RecallWebhookModuleOptions,
} from '../adapters/nestjs';
export * from './public';
