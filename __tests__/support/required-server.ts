/**
 * A suite that needs a server binary: skipped with a warning where it is missing, except under
 * CI's `REQUIRE_<NAME>=1`, where a missing binary is a failing test instead.
 */
export function describeWithServer(
  server: string,
  installed: boolean,
  requireVariable: string,
  installHint: string,
): jest.Describe {
  if (installed) return describe;
  if (process.env[requireVariable] === '1') {
    test(`${server} is installed (${requireVariable}=1)`, () => {
      throw new Error(`${server} is not installed; ${installHint}`);
    });
  } else {
    console.warn(
      `${server} suite SKIPPED: ${server} is not installed; ${installHint} and run npm test again ` +
        `(${requireVariable}=1 turns this skip into a failure).`,
    );
  }
  return describe.skip;
}
