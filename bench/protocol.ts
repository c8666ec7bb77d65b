export const SERVER_KINDS = [
  'node-http',
  'express-drain',
  'express-handwritten',
  'middleware',
  'middleware+token',
  'listener',
  'listener+token',
  'fetch-handler',
  'queue-handwritten',
  'queue-middleware',
  // bench/frameworks.ts: each framework adapter and the route a user of that framework writes by hand.
  'fastify-handwritten',
  'fastify-plugin',
  'koa-handwritten',
  'koa-middleware',
  'nestjs-handwritten',
  'nestjs-module',
] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

export const FRAMEWORK_KINDS = [
  'fastify-handwritten',
  'fastify-plugin',
  'koa-handwritten',
  'koa-middleware',
  'nestjs-handwritten',
  'nestjs-module',
] as const satisfies readonly ServerKind[];
export type FrameworkKind = (typeof FRAMEWORK_KINDS)[number];

/** The kinds that add every recall to a BullMQ queue: they need the Redis the benchmark starts. */
export const QUEUE_KINDS: readonly ServerKind[] = ['queue-handwritten', 'queue-middleware'];

/**
 * The floor each server is compared with: the least a server on the same stack can do with the
 * request (read the body, JSON.parse it, answer OK), so that the ratio shows what the rest costs.
 * A floor is its own floor. A framework adapter's is the route a user of that framework writes by
 * hand: the ratio is then the adapter against that route, on the same framework.
 */
export const FLOOR_OF: Record<ServerKind, ServerKind> = {
  'node-http': 'node-http',
  'express-drain': 'express-drain',
  'express-handwritten': 'express-drain',
  middleware: 'express-drain',
  'middleware+token': 'express-drain',
  listener: 'node-http',
  'listener+token': 'node-http',
  'fetch-handler': 'node-http',
  'queue-handwritten': 'express-drain',
  'queue-middleware': 'express-drain',
  'fastify-handwritten': 'fastify-handwritten',
  'fastify-plugin': 'fastify-handwritten',
  'koa-handwritten': 'koa-handwritten',
  'koa-middleware': 'koa-handwritten',
  'nestjs-handwritten': 'nestjs-handwritten',
  'nestjs-module': 'nestjs-handwritten',
};

/** Servers configured with the token: the load generator sends them a signed query. */
export const SIGNED_KINDS: ReadonlySet<ServerKind> = new Set(['middleware+token', 'listener+token']);

/** Messages between bench/processes.ts and a server child over the IPC channel. */
export type ServerRequest = { type: 'sample'; collectGarbage: boolean };

export type ServerReply =
  { type: 'listening'; port: number } | { type: 'sample'; cpu: NodeJS.CpuUsage; memory: NodeJS.MemoryUsage };

/** One of the targets a run checks and prints: met or MISSED, with the figure measured. */
export interface Target {
  target: string;
  measured: string;
  met: boolean;
}
