/** Runs the CLI loaded afresh, with `bullmq` failing to load as `failure` says. */
export async function runWhereBullmqFails(failure: Error, argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const io = { stdout: (text: string) => lines.push(text), stderr: (text: string) => lines.push(text) };
  let code = -1;
  await jest.isolateModulesAsync(async () => {
    jest.doMock('bullmq', () => {
      throw failure;
    });
    const isolated = jest.requireActual<typeof import('../../lib/cli/index')>('../../lib/cli/index');
    code = await isolated.run(argv, io);
  });
  return { code, lines };
}
