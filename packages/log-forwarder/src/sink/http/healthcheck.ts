/** http healthcheck: GET healthcheck_path (2xx), or any response to HEAD on the endpoint. */
import type { HttpClient } from '../../delivery/http-client.js';

export async function httpHealthcheck(
  client: HttpClient,
  endpointPath: string,
  healthcheckPath: string | undefined,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<void> {
  if (healthcheckPath) {
    const res = await client.send({ method: 'GET', path: healthcheckPath, headers, signal });
    if (res.status < 200 || res.status >= 300) throw new Error(`healthcheck GET ${healthcheckPath} returned HTTP ${res.status}`);
    return;
  }
  await client.send({ method: 'HEAD', path: endpointPath, headers, signal });
}
