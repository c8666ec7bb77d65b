// Graceful shutdown, bounded in time: `worker.close()` and `queue.close()` never return while
// Redis is unreachable, so a process that waits for them would never exit.

/**
 * On SIGTERM or SIGINT, runs each step in turn (stop taking requests first, then the worker, then
 * the connections) and exits once they are done, or after `withinMs` at the latest. A job cut
 * short by the deadline is not lost: its lock expires and another worker takes it again.
 */
export function shutDownOnSignal(steps: readonly (() => Promise<unknown>)[], withinMs = 10_000): void {
  const shutDown = (signal: NodeJS.Signals) => {
    console.log(`${signal}: shutting down (at most ${withinMs / 1000} s)`);
    setTimeout(() => {
      console.error(`still closing after ${withinMs / 1000} s: exiting anyway`);
      process.exit(1);
    }, withinMs).unref();
    void (async () => {
      for (const step of steps) await step().catch((error: Error) => console.error(`shutdown: ${error.message}`));
      process.exit(0);
    })();
  };
  process.once('SIGTERM', shutDown);
  process.once('SIGINT', shutDown);
}
