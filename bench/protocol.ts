export const SERVER_KINDS = [
  'node-http',
  'express-handwritten',
  'middleware',
  'middleware+token',
  'fetch-handler',
  'queue-handwritten',
  'queue-middleware',
] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** The kinds that add every recall to a BullMQ queue: they need the Redis the benchmark starts. */
export const QUEUE_KINDS: readonly ServerKind[] = ['queue-handwritten', 'queue-middleware'];

/** Messages between bench/run.ts and a server child over the IPC channel. */
export type ServerRequest = { type: 'sample'; collectGarbage: boolean };

export type ServerReply =
  { type: 'listening'; port: number } | { type: 'sample'; cpu: NodeJS.CpuUsage; memory: NodeJS.MemoryUsage };
