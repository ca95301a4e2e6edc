import t from 'tap';
import { EventLoopWatchdog } from '../src/event-loop-watchdog.js';
import { waitFor } from '../src/testing.js';

function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

t.test('a stall over the limit is unhealthy for the window, then healthy again', async (t) => {
  const dog = new EventLoopWatchdog(100, 300, 20);
  t.teardown(() => dog.stop());
  dog.start();
  t.same(dog.health(), { healthy: true });
  block(250);
  const h = dog.health();
  t.equal(h.healthy, false);
  t.match(h.reason, /^event loop blocked for \d+ ms \(limit 100 ms\)$/);
  await waitFor(() => dog.health().healthy, { what: 'healthy after the window' });
});

t.test('stalls under the limit are healthy; a limit of 0 turns the check off', async (t) => {
  const dog = new EventLoopWatchdog(400, 1000, 20);
  t.teardown(() => dog.stop());
  dog.start();
  block(100);
  t.same(dog.health(), { healthy: true });
  const off = new EventLoopWatchdog(0);
  off.start();
  block(100);
  t.same(off.health(), { healthy: true });
  off.stop();
});
