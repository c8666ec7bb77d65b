export const SERVER_KINDS = [
  'node-http',
  'express-handwritten',
  'middleware',
  'middleware+token',
  'fetch-handler',
] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** Messages between bench/run.ts and a server child over the IPC channel. */
export type ServerRequest = { type: 'sample'; collectGarbage: boolean };

export type ServerReply =
  { type: 'listening'; port: number } | { type: 'sample'; cpu: NodeJS.CpuUsage; memory: NodeJS.MemoryUsage };
