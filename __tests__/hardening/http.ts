import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface SendOptions {
  method?: string;
  headers?: http.OutgoingHttpHeaders;
  /** The body, written in this many pieces (chunked transfer when more than one). */
  body?: Uint8Array | string;
  chunks?: number;
  /** Default: a fresh connection, closed after the answer. */
  agent?: http.Agent;
}

/** One request over loopback, resolved with the whole answer. */
export function send(port: number, path: string, options: SendOptions = {}): Promise<HttpAnswer> {
  const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
  const chunks = options.chunks ?? 1;
  const headers: http.OutgoingHttpHeaders = { ...options.headers };
  // Node frames a GET or DELETE body only when told to.
  if (body !== undefined && chunks === 1) headers['content-length'] = body.byteLength;
  if (body !== undefined && chunks > 1) headers['transfer-encoding'] = 'chunked';
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'POST', headers, agent: options.agent ?? false },
      (response) => {
        const received: Buffer[] = [];
        response.on('data', (chunk: Buffer) => received.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            headers: response.headers,
            text: Buffer.concat(received).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    if (body !== undefined) {
      const size = Math.ceil(body.byteLength / chunks);
      for (let index = 0; index < chunks; index++) request.write(body.subarray(index * size, (index + 1) * size));
    }
    request.end();
  });
}

export interface RunningServer {
  server: http.Server;
  port: number;
  close: () => Promise<void>;
}

/** Listens on 127.0.0.1 on a free port. */
export async function listen(app: Express | http.RequestListener, backlog = 511): Promise<RunningServer> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
