import t from 'tap';
import { HealthState } from '../../src/cluster/health_check.js';

t.test('thresholds in a row flip health', async (t) => {
  const s = new HealthState({ unhealthy_threshold: 3, healthy_threshold: 2 });
  let healthy = true;
  healthy = s.record(false, healthy);
  healthy = s.record(false, healthy);
  t.ok(healthy, 'two failures are not enough');
  healthy = s.record(true, healthy);
  healthy = s.record(false, healthy);
  healthy = s.record(false, healthy);
  t.ok(healthy, 'a pass reset the streak');
  healthy = s.record(false, healthy);
  t.notOk(healthy, 'three failures in a row');
  healthy = s.record(true, healthy);
  t.notOk(healthy);
  healthy = s.record(true, healthy);
  t.ok(healthy, 'two passes in a row');
});
