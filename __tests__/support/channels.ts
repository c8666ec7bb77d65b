/** Records what a TracingChannel publishes, each event with a copy of its context as it was then. */
import type { TracingChannel } from 'node:diagnostics_channel';

export type TraceEvent = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error';

export interface Published<Context> {
  event: TraceEvent;
  context: Context;
  /** The context object itself, to tell one trace from another. */
  same: object;
}

export interface ChannelRecording<Context> {
  published: Array<Published<Context>>;
  /** The events of each traced operation, in order, keyed by its context object. */
  traces(): Array<Array<Published<Context>>>;
  /** Unsubscribes. */
  stop(): void;
}

export function recordChannel<Context extends object>(
  channel: TracingChannel<unknown, Context>,
  onStart?: (context: Context) => void,
): ChannelRecording<Context> {
  const published: Array<Published<Context>> = [];
  const record = (event: TraceEvent) => (context: Context) => {
    if (event === 'start') onStart?.(context);
    published.push({ event, context: { ...context }, same: context });
  };
  const handlers = {
    start: record('start'),
    end: record('end'),
    asyncStart: record('asyncStart'),
    asyncEnd: record('asyncEnd'),
    error: record('error'),
  };
  channel.subscribe(handlers);
  return {
    published,
    traces() {
      const byContext = new Map<object, Array<Published<Context>>>();
      for (const one of published) byContext.set(one.same, [...(byContext.get(one.same) ?? []), one]);
      return [...byContext.values()];
    },
    stop: () => channel.unsubscribe(handlers),
  };
}
