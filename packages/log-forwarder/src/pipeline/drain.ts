/**
 * SIGTERM: stop discovering, read what is already written, deliver it, checkpoint. Gives up
 * when `deadline` aborts (what is left stays in the files, from the checkpoint on).
 */
import type { FileSource } from '../source/file-source.js';
import type { Checkpoints } from './checkpoints.js';
import type { InFlightBudget } from './in-flight-budget.js';
import type { SinkRunner } from './sink-runner.js';

export async function drain(
  parts: { sources: Iterable<FileSource>; sinks: Iterable<SinkRunner>; budget: InFlightBudget; checkpoints: Checkpoints },
  deadline: AbortSignal,
): Promise<void> {
  const { budget, checkpoints } = parts;
  const sinks = [...parts.sinks];
  const aborted = new Promise<void>((resolve) => {
    if (deadline.aborted) resolve();
    deadline.addEventListener('abort', () => resolve(), { once: true });
  });
  const sources = Promise.all([...parts.sources].map((s) => s.drain()));
  await Promise.race([sources, aborted]);
  const delivered = (async () => {
    while (!deadline.aborted && (budget.inFlight > 0 || budget.pendingBatches > 0)) {
      await Promise.race([Promise.all(sinks.map((r) => r.idle())), aborted]);
      if (budget.inFlight > 0 && !deadline.aborted) await new Promise((r) => setTimeout(r, 10));
    }
  })();
  await Promise.race([delivered, aborted]);
  await checkpoints.save(true);
  await Promise.all(sinks.map((r) => r.sink.stop(deadline).catch(() => undefined)));
  await checkpoints.save(true);
}
