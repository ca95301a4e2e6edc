import t from 'tap';
import { newRequestId } from '../../src/http/request-id.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

t.test('request ids are version-4 UUIDs, none repeated, across refills of the random bytes', async (t) => {
  const seen = new Set<string>();
  // Several refills of the 256-id random buffer.
  for (let i = 0; i < 2000; i++) {
    const id = newRequestId();
    if (!UUID_V4.test(id)) t.fail(`not a v4 UUID: ${id}`);
    seen.add(id);
  }
  t.equal(seen.size, 2000);
});

t.test('every hex digit position varies (no byte left out of the id)', async (t) => {
  const ids = Array.from({ length: 500 }, () => newRequestId());
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23 || i === 14) continue; // dashes, the version digit
    const chars = new Set(ids.map((id) => id[i]));
    t.ok(chars.size >= (i === 19 ? 4 : 12), `position ${i}: ${chars.size} distinct digits`);
  }
});
