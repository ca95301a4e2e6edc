import t from 'tap';
import { addToList, compact, removeHopByHop, toRawHeaders } from '../src/headers.js';
import type { Headers } from '../src/operation/types.js';

t.test('hop-by-hop headers go, including those Connection names', async (t) => {
  const h: Headers = {
    connection: 'keep-alive, X-Private',
    'x-private': '1',
    'keep-alive': 'timeout=5',
    'transfer-encoding': 'chunked',
    te: 'trailers',
    upgrade: 'h2c',
    'content-type': 'a/b',
  };
  removeHopByHop(h);
  t.same(compact(h), { 'content-type': 'a/b' });
});

t.test('list headers and raw output', async (t) => {
  t.equal(addToList(undefined, 'api-version'), 'api-version');
  t.equal(addToList('Accept-Encoding', 'api-version'), 'Accept-Encoding, api-version');
  t.equal(addToList('accept, API-Version', 'api-version'), 'accept, API-Version');
  t.equal(addToList('*', 'api-version'), '*');
  t.same(toRawHeaders({ a: '1', 'set-cookie': ['x=1', 'y=2'], gone: undefined }), ['a', '1', 'set-cookie', 'x=1', 'set-cookie', 'y=2']);
});
