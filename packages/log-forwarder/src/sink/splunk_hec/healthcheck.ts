/** HEC healthcheck: `GET /services/collector/health` answers 200 `{"text":"HEC is healthy","code":17}`. */
import type { HttpClient } from '../../delivery/http-client.js';

export async function hecHealthcheck(
  client: HttpClient,
  base: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<void> {
  const res = await client.send({ method: 'GET', path: `${base}/services/collector/health`, headers, signal });
  if (res.status !== 200)
    throw new Error(`Splunk HEC at ${client.target} is not healthy: HTTP ${res.status} ${res.body.trim().slice(0, 200)}`);
}
