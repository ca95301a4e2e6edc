/** Elasticsearch / OpenSearch healthcheck: `GET /` answers 200 with the cluster's name and version. */
import type { HttpClient } from '../../delivery/http-client.js';

export async function elasticsearchHealthcheck(
  client: HttpClient,
  basePath: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<void> {
  const res = await client.send({ method: 'GET', path: basePath || '/', headers, signal });
  if (res.status !== 200) throw new Error(`cluster at ${client.target} answered HTTP ${res.status}: ${res.body.trim().slice(0, 200)}`);
}
