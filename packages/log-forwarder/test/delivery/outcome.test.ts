import t from 'tap';
import { classifyStatus, Delivery, outcomeForStatus, retryAfterMs } from '../../src/delivery/outcome.js';

t.test('status classification: OK / RETRY / ERROR', async (t) => {
  for (const s of [200, 201, 204]) t.equal(classifyStatus(s), Delivery.OK, String(s));
  for (const s of [408, 429, 500, 502, 503, 504]) t.equal(classifyStatus(s), Delivery.RETRY, String(s));
  for (const s of [400, 404, 409, 413, 422]) t.equal(classifyStatus(s), Delivery.ERROR, String(s));
});

t.test('401/403 are retried (credentials concern every event) with the auth code', async (t) => {
  const o = outcomeForStatus(401, 'bad token');
  t.equal(o.kind, Delivery.RETRY);
  t.match(o, { code: 'OUTRIGGER_E_LF_SINK_AUTH' });
});

t.test('Retry-After (parsed by the runtime) is clamped to 10 minutes and carried by RETRY outcomes', async (t) => {
  t.equal(retryAfterMs('5'), 5000);
  t.equal(retryAfterMs(['7']), 7000);
  const now = Date.parse('2026-11-26T10:00:00Z');
  t.equal(retryAfterMs('Thu, 26 Nov 2026 10:00:30 GMT', now), 30_000);
  t.equal(retryAfterMs('soon'), undefined);
  t.equal(retryAfterMs('999999'), 600_000, 'clamped to 10 minutes');
  const o = outcomeForStatus(429, 'slow down', '5');
  t.match(o, { kind: Delivery.RETRY, retryAfterMs: 5000, status: 429 });
  t.match(outcomeForStatus(503, 'busy', 'later'), { kind: Delivery.RETRY, retryAfterMs: undefined }, 'garbage: no Retry-After');
  t.match(outcomeForStatus(400, 'bad'), { kind: Delivery.ERROR, reason: 'HTTP 400: bad' });
});
