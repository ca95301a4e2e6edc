import t from 'tap';
import { markEtag, unmarkEtags } from '../src/etag.js';

t.test('marks and unmarks entity tags', async (t) => {
  t.equal(markEtag('"abc"', '2024-06-01'), '"abc;v=2024-06-01"');
  t.equal(markEtag('W/"abc"', '1'), 'W/"abc;v=1"');
  t.equal(markEtag('"abc;v=2"', '1'), '"abc;v=1"', 'a mark is replaced, not stacked');
  t.equal(markEtag('garbage', '1'), 'garbage');
  t.equal(unmarkEtags('"a;v=1", W/"b;v=2024-06-01", "c"'), '"a", W/"b", "c"');
  t.equal(unmarkEtags('*'), '*');
});
