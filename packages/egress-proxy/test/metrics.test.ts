// requests_total is counted in plain numbers and published at each scrape.
import { Registry } from 'prom-client';
import t from 'tap';
import { ProxyMetrics } from '../src/metrics.js';

t.test('requests_total by route, cluster and class; a reloaded route goes on counting', async (t) => {
  const registry = new Registry();
  const metrics = new ProxyMetrics(registry, (s) => `x_${s}`);
  const route = metrics.forRoute('pay', 'stripe');
  route.count(200);
  route.count(204);
  route.count(503);
  route.count(0); // no answer: not a class
  route.count(600);
  metrics.countUnrouted(404);
  metrics.forRoute('pay', 'stripe').count(201); // after a reload: the same series
  const values = (await registry.getSingleMetric('x_requests_total')?.get())?.values ?? [];
  const series = Object.fromEntries(values.map((v) => [`${v.labels.route}/${v.labels.cluster}/${v.labels.status_class}`, v.value]));
  t.same(series, { 'pay/stripe/2xx': 3, 'pay/stripe/5xx': 1, '//4xx': 1 });
  route.count(200);
  const again = (await registry.getSingleMetric('x_requests_total')?.get())?.values ?? [];
  t.equal(again.find((v) => v.labels.status_class === '2xx')?.value, 4, 'a second scrape sees the new count, not a sum of scrapes');
});
