/** Loki healthcheck: `GET /ready` answers 200 "ready" once the instance accepts pushes. */
import type { HttpClient } from '../../delivery/http-client.js';

export async function lokiHealthcheck(client: HttpClient, headers: Record<string, string>, signal: AbortSignal): Promise<void> {
  const res = await client.send({ method: 'GET', path: '/ready', headers, signal });
  if (res.status !== 200) throw new Error(`Loki at ${client.target} is not ready: HTTP ${res.status} ${res.body.trim().slice(0, 200)}`);
}
