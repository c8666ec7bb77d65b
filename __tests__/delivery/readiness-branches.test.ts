/** createReadinessCheck's options that the plain check leaves to Joi, and a reconciler before its first pass. */
import { createReadinessCheck } from '../../lib/entries';

describe('createReadinessCheck', () => {
  it('accepts options that are not a plain object (a class instance) once Joi finds them valid', async () => {
    class ReadinessSettings {
      constructor(readonly queue: { isPaused(): Promise<boolean> }) {}
    }
    let asked = 0;
    const check = createReadinessCheck(new ReadinessSettings({ isPaused: async () => (asked++, false) }));
    expect(await check()).toEqual({ ready: true });
    expect(asked).toBe(1);
  });

  it('rejects options that are not an object with a TypeError naming the factory', () => {
    expect(() => createReadinessCheck(null as never)).toThrow(TypeError);
    expect(() => createReadinessCheck('queue' as never)).toThrow(/^createReadinessCheck: /);
  });

  it('is not ready while the reconciler has no checkpoint, and ready once it has a fresh one', async () => {
    const status: { checkpoint?: Date } = {};
    const check = createReadinessCheck({ reconciler: { status: async () => status, everyMs: 60_000 } });
    expect(await check()).toEqual({
      ready: false,
      reason: 'reconciliation has no checkpoint: no pass has finished',
    });
    status.checkpoint = new Date();
    expect(await check()).toEqual({ ready: true });
  });
});
