import t from 'tap';
import { addToList, compact, toRawHeaders } from '../src/headers.js';

t.test('list headers and raw output', async (t) => {
  t.equal(addToList(undefined, 'api-version'), 'api-version');
  t.equal(addToList('Accept-Encoding', 'api-version'), 'Accept-Encoding, api-version');
  t.equal(addToList('accept, API-Version', 'api-version'), 'accept, API-Version');
  t.equal(addToList('*', 'api-version'), '*');
  t.same(toRawHeaders({ a: '1', 'set-cookie': ['x=1', 'y=2'], gone: undefined }), ['a', '1', 'set-cookie', 'x=1', 'set-cookie', 'y=2']);
  t.same(compact({ a: '1', gone: undefined }), { a: '1' });
});
