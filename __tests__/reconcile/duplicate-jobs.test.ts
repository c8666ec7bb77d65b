/**
 * How a pass tells a job it created from one the queue deduplicated, with queues other than
 * BullMQ's own: one without getDeduplicationJobId, and a deduplication id that named a job
 * which is gone by the time the add runs.
 */
import { observeDuplicateJobs } from '../../lib/reconcile/pass';
import type { AnyRecallEvent } from '../../lib/protocol/types';
import type { RecallJobOptions } from '../../lib/delivery/types';

const event = { callbackCommand: 'Group.CallbackAfterRecallMsg' } as AnyRecallEvent;

function queue(jobId: string, lookup?: (id: string) => Promise<unknown>) {
  const added: Array<RecallJobOptions | undefined> = [];
  const base = {
    added,
    defaultJobOptions: { attempts: 3 },
    async add(_name: string, _data: AnyRecallEvent, options?: RecallJobOptions) {
      added.push(options);
      return { id: jobId };
    },
  };
  return lookup === undefined ? base : Object.assign(base, { getDeduplicationJobId: lookup });
}

describe('observeDuplicateJobs', () => {
  it('hands the queue its own job defaults and every add', async () => {
    const target = queue('7');
    const observed = observeDuplicateJobs(target, new Set());
    expect(observed.defaultJobOptions).toEqual({ attempts: 3 });
    expect(await observed.add('recall', event, { deduplication: { id: 'k' } } as RecallJobOptions)).toEqual({
      id: '7',
    });
    expect(target.added).toEqual([{ deduplication: { id: 'k' } }]);
  });

  it('counts nothing as a duplicate with a queue that cannot say which job an id names', async () => {
    const duplicates = new Set<string>();
    await observeDuplicateJobs(queue('7'), duplicates).add('recall', event, {
      deduplication: { id: 'k' },
    } as RecallJobOptions);
    expect(duplicates.size).toBe(0);
  });

  it('asks nothing of an add without a deduplication id', async () => {
    const asked: string[] = [];
    const duplicates = new Set<string>();
    await observeDuplicateJobs(
      queue('7', async (id) => (asked.push(id), '7')),
      duplicates,
    ).add('recall', event, {});
    expect(asked).toEqual([]);
    expect(duplicates.size).toBe(0);
  });

  it('counts a duplicate only when the add answers with the job the id already named', async () => {
    const duplicates = new Set<string>();
    const options = (id: string) => ({ deduplication: { id } }) as RecallJobOptions;
    await observeDuplicateJobs(
      queue('7', async () => null),
      duplicates,
    ).add('recall', event, options('none'));
    await observeDuplicateJobs(
      queue('8', async () => '7'),
      duplicates,
    ).add('recall', event, options('replaced'));
    await observeDuplicateJobs(
      queue('7', async () => 7),
      duplicates,
    ).add('recall', event, options('same'));
    expect([...duplicates]).toEqual(['same']);
  });
});
