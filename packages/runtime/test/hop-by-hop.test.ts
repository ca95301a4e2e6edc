import t from 'tap';
import { connectionTokens, hopByHopHeaders, isHopByHop, rawConnectionTokens, removeHopByHop } from '../src/hop-by-hop.js';

t.test('the RFC 9110 §7.6.1 set, proxy-authorization included', async (t) => {
  t.same([...hopByHopHeaders].sort(), [
    'connection',
    'keep-alive',
    'proxy-authenticate',
    'proxy-authorization',
    'proxy-connection',
    'te',
    'trailer',
    'transfer-encoding',
    'upgrade',
  ]);
});

t.test('Connection tokens: every value, comma lists, any case; close is no header', async (t) => {
  t.same([...(connectionTokens(['close, X-Trace', ' x-debug ,,KEEP-ALIVE, Upgrade']) ?? [])], ['x-trace', 'x-debug']);
  t.equal(connectionTokens('close'), undefined);
  // The hop-by-hop names are left out of the set: they are removed whether named or not.
  t.equal(connectionTokens('Keep-Alive'), undefined);
  t.equal(connectionTokens(['keep-alive', 'te, close']), undefined);
  t.ok(isHopByHop('keep-alive', connectionTokens('keep-alive')));
  t.equal(connectionTokens(undefined), undefined);
  const raw = ['Host', 'a', 'Connection', 'X-One', 'x-other', 'v', 'CONNECTION', 'x-two, close'];
  t.same([...(rawConnectionTokens(raw) ?? [])], ['x-one', 'x-two']);
  t.equal(rawConnectionTokens(['host', 'a']), undefined);
  const named = rawConnectionTokens(raw);
  t.ok(isHopByHop('x-one', named));
  t.ok(isHopByHop('te'));
  t.notOk(isHopByHop('x-other', named));
});

t.test('removeHopByHop on a header object: present names set to undefined, absent ones not added', async (t) => {
  const headers: Record<string, string | string[] | undefined> = {
    connection: ['keep-alive, X-Secret', 'x-more'],
    'x-secret': '1',
    'x-more': '2',
    'x-kept': '3',
    'proxy-authorization': 'Basic abc',
    te: 'trailers',
  };
  removeHopByHop(headers);
  t.same(
    Object.entries(headers).filter(([, v]) => v !== undefined),
    [['x-kept', '3']],
  );
  t.notOk('upgrade' in headers, 'absent names are not added');
});
