// The part of Hono the README's route uses, declared as Hono types it, so the snippet compiles
// without installing Hono.
declare module 'hono' {
  export interface Context {
    req: { raw: Request };
    json(object: unknown, status?: number): Response;
  }
  export class Hono {
    post(path: string, handler: (c: Context) => Response | Promise<Response>): this;
    fetch: (request: Request) => Response | Promise<Response>;
  }
}
