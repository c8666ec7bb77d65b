// The `log` option summarises repeated failures a minute after the first; a test file that ends
// sooner would have that line written to a console Jest has closed, which Jest counts as a
// failure. Once a file's tests are done, its console takes such late lines and drops them.
afterAll(() => {
  for (const level of ['debug', 'info', 'warn', 'error', 'log'] as const) console[level] = () => {};
});
