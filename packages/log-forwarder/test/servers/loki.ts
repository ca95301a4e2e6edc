/**
 * A protocol-faithful Loki for tests, written from Loki's HTTP API documentation:
 * - `POST /loki/api/v1/push`, `Content-Type: application/json` (protobuf is refused: we only
 *   speak JSON), optional `Content-Encoding: gzip`; body `{"streams":[{"stream":{labels},
 *   "values":[["<unix ns string>","<line>"(,{structured metadata})]]}]}`; answers 204 No Content.
 * - errors are plain text, as Loki's: 400 for a malformed body, a stream without labels, a bad
 *   label name, a non-string timestamp or line; 401 `no org id` when multi-tenant and the
 *   X-Scope-OrgID header is missing; 429 `Ingestion rate limit exceeded ...` and 5xx on demand.
 * - `GET /ready` answers 200 `ready`.
 */
import type { IncomingMessage } from 'node:http';
import { type ScriptedResponse, send, TestHttpServer, type TlsFiles } from './http-server.js';

export interface LokiEntry {
  tenant: string | undefined;
  labels: Record<string, string>;
  ts: string;
  line: string;
  metadata?: Record<string, string>;
}

export interface LokiPush {
  at: number;
  status: number;
  entries: number;
  headers: IncomingMessage['headers'];
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class LokiTestServer extends TestHttpServer {
  readonly entries: LokiEntry[] = [];
  readonly pushes: LokiPush[] = [];
  /** Responses for the next pushes, in order, instead of ingesting. */
  readonly script: ScriptedResponse[] = [];
  multiTenant = false;

  constructor(tls?: TlsFiles) {
    super((req, body, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET' && url.pathname === '/ready') return send(res, 200, 'ready\n');
      if (url.pathname !== '/loki/api/v1/push') return send(res, 404, '404 page not found\n');
      if (req.method !== 'POST') return send(res, 405, 'method not allowed\n');
      const scripted = this.script.shift();
      if (scripted) {
        this.pushes.push({ at: Date.now(), status: scripted.status, entries: 0, headers: req.headers });
        return send(res, scripted.status, scripted.body ?? '', scripted.headers);
      }
      const result = this.#ingest(req, body);
      this.pushes.push({ at: Date.now(), status: result.status, entries: result.entries, headers: req.headers });
      send(res, result.status, result.body);
    }, tls);
  }

  #ingest(req: IncomingMessage, body: Buffer): { status: number; body: string; entries: number } {
    const tenant = req.headers['x-scope-orgid'] as string | undefined;
    if (this.multiTenant && !tenant) return { status: 401, body: 'no org id\n', entries: 0 };
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
    if (type !== 'application/json') {
      return { status: 415, body: `unsupported content type: ${type} (this test server speaks JSON only)\n`, entries: 0 };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      return { status: 400, body: `loghttp.PushRequest: ReadObject: ${(error as Error).message}\n`, entries: 0 };
    }
    const streams = (parsed as { streams?: unknown }).streams;
    if (!Array.isArray(streams)) return { status: 400, body: 'error parsing push request: streams must be an array\n', entries: 0 };
    const accepted: LokiEntry[] = [];
    for (const stream of streams as Array<{ stream?: unknown; values?: unknown }>) {
      const labels = stream.stream;
      if (!labels || typeof labels !== 'object' || Object.keys(labels).length === 0) {
        return { status: 400, body: 'error at least one label pair is required per stream\n', entries: 0 };
      }
      for (const [name, value] of Object.entries(labels)) {
        if (!LABEL_NAME.test(name)) return { status: 400, body: `error parsing labels: invalid label name "${name}"\n`, entries: 0 };
        if (typeof value !== 'string')
          return { status: 400, body: `error parsing labels: label value of "${name}" must be a string\n`, entries: 0 };
      }
      if (!Array.isArray(stream.values)) return { status: 400, body: 'error parsing push request: values must be an array\n', entries: 0 };
      for (const value of stream.values as unknown[]) {
        if (!Array.isArray(value) || value.length < 2 || value.length > 3) {
          return {
            status: 400,
            body: 'error parsing push request: each value must be [timestamp, line] or [timestamp, line, metadata]\n',
            entries: 0,
          };
        }
        const [ts, line, metadata] = value as [unknown, unknown, unknown];
        if (typeof ts !== 'string' || !/^\d+$/.test(ts)) {
          return {
            status: 400,
            body: `error parsing push request: timestamp must be a string of unix nanoseconds, got ${JSON.stringify(ts)}\n`,
            entries: 0,
          };
        }
        if (typeof line !== 'string') return { status: 400, body: 'error parsing push request: line must be a string\n', entries: 0 };
        if (
          metadata !== undefined &&
          (typeof metadata !== 'object' || metadata === null || Object.values(metadata).some((v) => typeof v !== 'string'))
        ) {
          return { status: 400, body: 'error parsing push request: structured metadata must be an object of strings\n', entries: 0 };
        }
        accepted.push({
          tenant,
          labels: labels as Record<string, string>,
          ts,
          line,
          ...(metadata ? { metadata: metadata as Record<string, string> } : {}),
        });
      }
    }
    this.entries.push(...accepted);
    return { status: 204, body: '', entries: accepted.length };
  }

  /** A 429 as Loki sends it when the tenant's ingestion rate is exceeded. */
  static rateLimited(retryAfterSeconds?: number): ScriptedResponse {
    return {
      status: 429,
      ...(retryAfterSeconds === undefined ? {} : { headers: { 'retry-after': String(retryAfterSeconds) } }),
      body: "Ingestion rate limit exceeded for user fake (limit: 4194304 bytes/sec) while attempting to ingest '1000' lines totaling '1048576' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased\n",
    };
  }

  /** A 400 as Loki sends it for an entry older than `reject_old_samples_max_age`. */
  static tooOld(): ScriptedResponse {
    return {
      status: 400,
      body: 'entry for stream \'{app="checkout"}\' has timestamp too old: 2020-01-01T00:00:00Z, oldest acceptable timestamp is: 2026-11-19T10:00:00Z\n',
    };
  }
}
