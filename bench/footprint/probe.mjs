// Preloaded into a sidecar (`node --import ./probe.mjs bundle.mjs ...`) by breakdown.mjs: records
// which modules the process loads, and on SIGUSR2 writes its memory breakdown as one JSON line to
// the file named by FOOTPRINT_PROBE_OUT. Measurement only; never shipped.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { getHeapSpaceStatistics } from 'node:v8';

const loaded = [];
registerHooks({
  load(url, context, next) {
    loaded.push(url);
    return next(url, context);
  },
});

process.on('SIGUSR2', () => {
  const mb = (b) => +(b / 1048576).toFixed(1);
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, mb(s.space_used_size)]));
  const builtins = process.moduleLoadList.filter((x) => x.startsWith('NativeModule ')).map((x) => x.slice(13));
  writeFileSync(
    process.env.FOOTPRINT_PROBE_OUT,
    `${JSON.stringify({
      rss_mb: mb(m.rss),
      heap_total_mb: mb(m.heapTotal),
      heap_used_mb: mb(m.heapUsed),
      external_mb: mb(m.external),
      array_buffers_mb: mb(m.arrayBuffers),
      spaces_used_mb: spaces,
      builtins: builtins.length,
      node_internal_undici: builtins.includes('internal/deps/undici/undici'),
      modules: loaded.filter((u) => !u.startsWith('node:')).map((u) => u.replace(/^.*\/dist\/bundle\//, '')),
    })}\n`,
  );
});
