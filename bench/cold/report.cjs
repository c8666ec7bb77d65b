// Preloaded (`node -r`) into every cold-start sample: at exit it reports the process's CPU time,
// which other work on the machine disturbs far less than wall-clock time, and the CommonJS modules
// loaded (ES modules are not in require.cache), so the parent can check Joi stayed unloaded.
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  const modules = Object.keys(require.cache).filter((path) => path !== __filename);
  const report = {
    cpuMs: (user + system) / 1000,
    modules: modules.length,
    joi: modules.some((path) => path.includes('/joi/')),
  };
  process.stdout.write(JSON.stringify(report));
});
