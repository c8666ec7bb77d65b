import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RecallWebhookModule } from 'tencent-chat-recall-webhook/nestjs';

@Injectable()
export class Recalls {
  readonly seen: string[] = [];
}

@Module({ providers: [Recalls], exports: [Recalls] })
export class RecallsModule {}

export async function start(recalled: (what: string) => void): Promise<{ port: number; close: () => Promise<void> }> {
  @Module({
    imports: [
      RecallWebhookModule.forRootAsync({
        imports: [RecallsModule],
        inject: [Recalls],
        useFactory: (recalls: Recalls) => ({
          path: '/tencent-chat/callback',
          sdkAppId: 1400000000,
          token: undefined,
          onRecall: (event) => {
            recalls.seen.push(event.groupId);
            recalled(event.groupId);
          },
          onC2CRecall: async (event) => recalled(event.msgKey),
        }),
      }),
    ],
  })
  class AppModule {}

  const app = await NestFactory.create(AppModule, { logger: false, rawBody: true });
  await app.listen(0, '127.0.0.1');
  return { port: ((app.getHttpServer() as Server).address() as AddressInfo).port, close: () => app.close() };
}

// @ts-expect-error forRoot needs the path
RecallWebhookModule.forRoot({ sdkAppId: 1400000000 });
