import net from 'node:net';

/** One HTTP/1.1 answer as it came off the wire. */
export interface RawAnswer {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/**
 * A raw HTTP/1.1 connection on loopback, to see what the server does with the socket: answers
 * are parsed as they arrive (bodies framed by Content-Length), and `closedByServer` tells whether
 * the server ended the connection before this client did.
 */
export class RawClient {
  readonly socket: net.Socket;
  /** Resolves once the connection is fully closed, whoever closed it. */
  readonly closed: Promise<void>;
  closedByServer = false;
  private clientDone = false;
  private buffer = Buffer.alloc(0);
  private readonly answers: RawAnswer[] = [];
  private waiting: Array<(answer: RawAnswer | undefined) => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parseAnswers();
    });
    // A reset after the server closed its side: the close event follows.
    socket.on('error', () => undefined);
    socket.on('end', () => this.serverEnded());
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.serverEnded();
        for (const resolveWaiting of this.waiting.splice(0)) resolveWaiting(undefined);
        resolve();
      }),
    );
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  get writable(): boolean {
    return this.socket.writable && !this.closedByServer;
  }

  write(data: string | Buffer): boolean {
    return this.socket.write(data);
  }

  /** The next answer on this connection, or `undefined` when the connection closes first. */
  nextAnswer(): Promise<RawAnswer | undefined> {
    const answer = this.answers.shift();
    if (answer) return Promise.resolve(answer);
    if (this.socket.destroyed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Closes the connection from this side. */
  end(): Promise<void> {
    this.clientDone = true;
    this.socket.destroy();
    return this.closed;
  }

  private serverEnded(): void {
    if (!this.clientDone) this.closedByServer = true;
  }

  private parseAnswers(): void {
    for (;;) {
      const headEnd = this.buffer.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      const [statusLine, ...lines] = this.buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const bodyEnd = headEnd + 4 + Number(headers['content-length'] ?? 0);
      if (this.buffer.length < bodyEnd) return;
      const answer = {
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: this.buffer.subarray(headEnd + 4, bodyEnd).toString('utf8'),
      };
      this.buffer = this.buffer.subarray(bodyEnd);
      const resolveWaiting = this.waiting.shift();
      if (resolveWaiting) resolveWaiting(answer);
      else this.answers.push(answer);
    }
  }
}

/** A request head for a POST to `path`, with extra header lines. */
export function postHead(path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join('')}\r\n`;
}

/** A whole POST with a JSON body framed by Content-Length. */
export function postRequest(path: string, body: string, headers: Record<string, string | number> = {}): string {
  return (
    postHead(path, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers }) + body
  );
}

/**
 * Writes `count` single bytes, one every `everyMs`, stopping early once the server has closed
 * the connection; resolves with how many were written.
 */
export function trickle(client: RawClient, count: number, everyMs: number): Promise<number> {
  return new Promise((resolve) => {
    let written = 0;
    const timer = setInterval(() => {
      if (!client.writable || written === count) {
        clearInterval(timer);
        resolve(written);
        return;
      }
      client.write('x');
      written++;
    }, everyMs);
  });
}

/**
 * Writes `total` bytes in 64 KiB pieces as fast as the connection takes them, stopping early once
 * the server has closed it; resolves with how many bytes the connection accepted.
 */
export async function flood(client: RawClient, total: number): Promise<number> {
  const piece = Buffer.alloc(64 * 1024, 'x');
  let written = 0;
  while (written < total && client.writable) {
    const size = Math.min(piece.length, total - written);
    written += size;
    if (!client.write(piece.subarray(0, size))) {
      await new Promise<void>((resolve) => {
        const done = () => {
          client.socket.off('drain', done).off('close', done);
          resolve();
        };
        client.socket.on('drain', done).on('close', done);
      });
    }
  }
  return written;
}
