// Under exactOptionalPropertyTypes, every optional field of every public options or overrides
// type must accept `undefined` (as `token: process.env.CALLBACK_TOKEN` passes it). A field that
// does not is named in the compiler's error: Type '"token"' does not satisfy the constraint 'never'.
// RecallJobOptions is left out on purpose: the package writes it for `queue.add`, and it must fit
// BullMQ's JobsOptions, whose optional fields do not accept `undefined`.
import type { Request as ExpressRequest } from 'express';
import type {
  DedupeOptions,
  MemoryStoreOptions,
  RecallHandlerContext,
  RecallQueue,
  RecallWebhookOptions,
} from 'tencent-chat-recall-webhook';
import type { ChatApiClientOptions } from 'tencent-chat-recall-webhook/reconcile';
import type {
  CallbackQueryOptions,
  FakeChatFault,
  FakeChatServer,
  FakeChatServerOptions,
  RecallEventOverrides,
} from 'tencent-chat-recall-webhook/testing';

type OptionalFieldsRejectingUndefined<T> = {
  [Field in keyof T]-?: object extends Pick<T, Field>
    ? { [Key in Field]: undefined } extends Pick<T, Field>
      ? never
      : Field
    : never;
}[keyof T];

function expectNone<Fields extends never>(): Fields[] {
  return [];
}

expectNone<OptionalFieldsRejectingUndefined<RecallWebhookOptions<ExpressRequest>>>();
expectNone<OptionalFieldsRejectingUndefined<RecallWebhookOptions<Request>>>();
expectNone<OptionalFieldsRejectingUndefined<DedupeOptions>>();
expectNone<OptionalFieldsRejectingUndefined<MemoryStoreOptions>>();
expectNone<OptionalFieldsRejectingUndefined<RecallHandlerContext>>();
expectNone<OptionalFieldsRejectingUndefined<CallbackQueryOptions>>();
expectNone<OptionalFieldsRejectingUndefined<RecallEventOverrides>>();
expectNone<OptionalFieldsRejectingUndefined<RecallQueue>>();
expectNone<OptionalFieldsRejectingUndefined<ChatApiClientOptions>>();
expectNone<OptionalFieldsRejectingUndefined<FakeChatServerOptions>>();
expectNone<OptionalFieldsRejectingUndefined<FakeChatFault>>();
expectNone<OptionalFieldsRejectingUndefined<NonNullable<Parameters<FakeChatServer['createGroup']>[0]>>>();
expectNone<OptionalFieldsRejectingUndefined<Parameters<FakeChatServer['sendGroupMessage']>[0]>>();
expectNone<OptionalFieldsRejectingUndefined<Parameters<FakeChatServer['recallGroupMessage']>[0]>>();
expectNone<OptionalFieldsRejectingUndefined<Parameters<FakeChatServer['sendC2CMessage']>[0]>>();
expectNone<OptionalFieldsRejectingUndefined<Parameters<FakeChatServer['deleteC2CMessage']>[0]>>();
