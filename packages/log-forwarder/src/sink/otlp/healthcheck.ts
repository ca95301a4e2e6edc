/**
 * OTLP has no health endpoint; an empty export request (`{"resourceLogs":[]}`) is valid and
 * answers 200 from a working receiver.
 */
import type { HttpClient } from '../../delivery/http-client.js';

export async function otlpHealthcheck(
  client: HttpClient,
  path: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<void> {
  const res = await client.send({
    method: 'POST',
    path,
    headers: { ...headers, 'content-type': 'application/json' },
    body: '{"resourceLogs":[]}',
    signal,
  });
  if (res.status !== 200)
    throw new Error(`OTLP receiver at ${client.target} answered HTTP ${res.status}: ${res.body.trim().slice(0, 200)}`);
}
