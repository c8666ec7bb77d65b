// The parts of Bun's and Deno's globals the README's snippets use, declared as those runtimes type
// them, so the snippets compile under Node.js's types.
declare const Bun: {
  serve(options: { port?: number; fetch: (request: Request) => Response | Promise<Response> }): unknown;
};

declare const Deno: {
  env: { get(name: string): string | undefined };
  serve(options: { port?: number }, handler: (request: Request) => Response | Promise<Response>): unknown;
};
