// The load generator: autocannon against one benchmark server, with its latencies in microseconds.
import { createHistogram } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { RECALL_BODY, signedPath, UNSIGNED_PATH } from './fixtures';
import type { ServerHandle } from './processes';
import { QUEUE_KINDS, SIGNED_KINDS, type ServerKind } from './protocol';

function pathFor(kind: ServerKind): string {
  return SIGNED_KINDS.has(kind) ? signedPath() : UNSIGNED_PATH;
}

/** One request before measuring: a server that does not answer OK would make every figure meaningless. */
export async function assertAnswersOk(server: ServerHandle): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${server.port}${pathFor(server.kind)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: RECALL_BODY,
  });
  const text = await response.text();
  if (response.status !== 200 || JSON.parse(text).ActionStatus !== 'OK') {
    throw new Error(`${server.kind} answered ${response.status} ${text}`);
  }
}

export interface LoadResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses other than 200, connection errors and timeouts: any of them spoils the round. */
  failures: number;
}

let recallCount = 0;
const recallTemplate = JSON.parse(RECALL_BODY) as { MsgSeqList: Array<{ MsgSeq: number }> };

/** A recall no earlier request of this run sent: the next MsgSeq. */
function distinctRecallBody(): string {
  recallTemplate.MsgSeqList[0].MsgSeq = 1_000_000 + ++recallCount;
  return JSON.stringify(recallTemplate);
}

/**
 * Load on one server. The queue kinds get a distinct recall in every request (a copy would be
 * deduplicated, and cost less); the others get the same body every time.
 */
export function load(
  target: { port: number; kind: ServerKind },
  connections: number,
  limit: { seconds: number } | { amount: number },
) {
  const path = pathFor(target.kind);
  const request = { method: 'POST' as const, path, headers: { 'content-type': 'application/json' } };
  const requests = QUEUE_KINDS.includes(target.kind)
    ? [{ ...request, setupRequest: (req: object) => ({ ...req, body: distinctRecallBody() }) }]
    : [{ ...request, body: RECALL_BODY }];
  return new Promise<LoadResult>((resolveLoad, reject) => {
    // autocannon's own histogram keeps whole milliseconds; loopback latencies need microseconds.
    const latencyMicros = createHistogram();
    let failures = 0;
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${target.port}`,
        connections,
        ...('seconds' in limit ? { duration: limit.seconds } : { amount: limit.amount }),
        requests,
      },
      (error, result) => {
        clearTimeout(safety);
        if (error) {
          reject(error);
          return;
        }
        const requests = result.requests.total;
        resolveLoad({
          requests,
          seconds: result.duration,
          requestsPerSecond: requests / result.duration,
          p50Ms: latencyMicros.percentile(50) / 1000,
          p99Ms: latencyMicros.percentile(99) / 1000,
          failures: failures + result.errors + result.timeouts,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode !== 200) failures++;
      latencyMicros.record(Math.max(1, Math.round(responseTimeMs * 1000)));
    });
    // A run by count has no duration of its own: stop it if the server stalls.
    const safety = setTimeout(() => instance.stop(), 'seconds' in limit ? (limit.seconds + 30) * 1000 : 600_000);
  });
}
