import t from 'tap';
import { OutlierDetector, OutlierState } from '../../src/cluster/outlier.js';

const config = {
  consecutive_5xx: 3,
  consecutive_connect_failures: 2,
  base_ejection_ms: 1000,
  max_ejection_ms: 2500,
  max_ejection_percent: 50,
};

t.test('consecutive failures eject, for a growing time, capped', async (t) => {
  const d = new OutlierDetector(config);
  const s = new OutlierState();
  t.equal(d.record(s, '5xx', 4, 0, 0), 0);
  t.equal(d.record(s, '5xx', 4, 0, 0), 0);
  t.equal(d.record(s, '5xx', 4, 0, 0), 1000, 'third 5xx in a row ejects for the base time');
  t.ok(s.ejected(999));
  t.notOk(s.ejected(1000));
  t.equal(d.record(s, 'connect_failure', 4, 0, 1000), 0);
  t.equal(d.record(s, 'connect_failure', 4, 0, 1000), 2000, 'second ejection lasts twice as long');
  t.equal(d.record(s, 'connect_failure', 4, 0, 5000), 0);
  t.equal(d.record(s, 'connect_failure', 4, 0, 5000), 2500, 'capped at max_ejection_ms');
});

t.test('a success resets the streak', async (t) => {
  const d = new OutlierDetector(config);
  const s = new OutlierState();
  d.record(s, '5xx', 4, 0, 0);
  d.record(s, '5xx', 4, 0, 0);
  d.record(s, 'success', 4, 0, 0);
  t.equal(d.record(s, '5xx', 4, 0, 0), 0);
});

t.test('never more than the max share, never all', async (t) => {
  const d = new OutlierDetector(config);
  t.equal(d.maxEjected(4), 2);
  t.equal(d.maxEjected(2), 1);
  t.equal(d.maxEjected(1), 0, 'a single endpoint is never ejected');
  t.equal(new OutlierDetector({ ...config, max_ejection_percent: 100 }).maxEjected(3), 2, 'one always stays');
  const s = new OutlierState();
  d.record(s, 'connect_failure', 2, 1, 0);
  t.equal(d.record(s, 'connect_failure', 2, 1, 0), 0, 'the other one is already ejected');
  t.notOk(s.ejected(0));
});
