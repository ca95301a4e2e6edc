/**
 * A protocol-faithful Elasticsearch `_bulk` endpoint for tests, from the Elasticsearch reference
 * (Bulk API):
 * - `POST /_bulk` and `POST /<index>/_bulk`; `Content-Type: application/json` or
 *   `application/x-ndjson` (anything else: 406 as Elasticsearch answers); the body must end with
 *   a newline (else 400 `illegal_argument_exception`); `Content-Encoding: gzip` accepted.
 * - actions `create` and `index` (followed by the source line) and `delete`; `create` with an `_id`
 *   that exists fails that item with 409 `version_conflict_engine_exception`, exactly as
 *   Elasticsearch de-duplicates by `_id`; `index` overwrites (version + 1).
 * - dynamic mapping: the first value of a field fixes its type (long, double, boolean, keyword,
 *   object); a later document with a value that does not parse as that type fails with 400
 *   `document_parsing_exception` (caused by the parse error), as Elasticsearch 8 does.
 * - the response is `{"took","errors","items":[{"create":{"_index","_id","_version","result",
 *   "_shards","_seq_no","_primary_term","status"}}]}` with per-item `error` objects.
 * - `filter_path` filters the `_bulk` answer (Elasticsearch's response filtering, `filter-path.ts`).
 * - `GET /` answers the cluster info object.
 * Faults on demand: `script` (whole-request responses) and `itemFault(id)` (per-item statuses,
 * e.g. 429 `es_rejected_execution_exception`).
 */
import { filterPath } from './filter-path.js';
import { type ScriptedResponse, send, TestHttpServer, type TlsFiles } from './http-server.js';

type FieldType = 'long' | 'double' | 'boolean' | 'keyword' | 'object';

export interface ItemError {
  status: number;
  type: string;
  reason: string;
}

export interface StoredDoc {
  source: Record<string, unknown>;
  version: number;
}

function typeOf(value: unknown): FieldType | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'long' : 'double';
  if (typeof value === 'object' && !Array.isArray(value)) return 'object';
  return 'keyword';
}

function fits(type: FieldType, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (type) {
    case 'long':
      if (typeof value === 'number' && Number.isInteger(value)) return undefined;
      if (typeof value === 'string' && /^-?\d+$/.test(value)) return undefined;
      return `For input string: "${String(value)}"`;
    case 'double':
      if (typeof value === 'number') return undefined;
      if (typeof value === 'string' && !Number.isNaN(Number(value))) return undefined;
      return `For input string: "${String(value)}"`;
    case 'boolean':
      if (typeof value === 'boolean' || value === 'true' || value === 'false') return undefined;
      return `Failed to parse value [${String(value)}] as only [true] or [false] are allowed.`;
    case 'object':
      return typeof value === 'object' && !Array.isArray(value)
        ? undefined
        : `object mapping tried to parse field as object, but found a concrete value`;
    default:
      return typeof value === 'object' && !Array.isArray(value) ? `Can't get text on a START_OBJECT` : undefined;
  }
}

export class ElasticsearchTestServer extends TestHttpServer {
  readonly indices = new Map<string, Map<string, StoredDoc>>();
  readonly mappings = new Map<string, Map<string, FieldType>>();
  /** Every bulk request: arrival time, the ids of its items, its `filter_path`, the answer's bytes. */
  readonly bulks: Array<{ at: number; ids: string[]; status: number; query?: string; filter?: string | null; answer?: string }> = [];
  /** Create attempts per _id (a retried item is counted again). */
  readonly attempts = new Map<string, number>();
  readonly script: ScriptedResponse[] = [];
  /** A per-item fault: return an error for this item instead of indexing it. */
  itemFault: ((id: string, source: Record<string, unknown>) => ItemError | undefined) | undefined;
  #seqNo = 0;

  constructor(tls?: TlsFiles) {
    super((req, body, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET' && url.pathname === '/') {
        return send(res, 200, {
          name: 'test-node',
          cluster_name: 'outrigger-test',
          version: { number: '8.15.0', lucene_version: '9.11.1', minimum_wire_compatibility_version: '7.17.0' },
          tagline: 'You Know, for Search',
        });
      }
      const match = /^(?:\/([^/_][^/]*))?\/_bulk$/.exec(url.pathname);
      if (!match) return send(res, 404, errorBody(404, 'index_not_found_exception', `no handler found for uri [${url.pathname}]`));
      if (req.method !== 'POST' && req.method !== 'PUT')
        return send(res, 405, errorBody(405, 'method_not_allowed', 'Incorrect HTTP method'));
      const scripted = this.script.shift();
      if (scripted) {
        this.bulks.push({ at: Date.now(), ids: [], status: scripted.status });
        return send(res, scripted.status, scripted.body ?? '', scripted.headers);
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
      if (type !== 'application/json' && type !== 'application/x-ndjson') {
        return send(res, 406, { error: `Content-Type header [${type}] is not supported`, status: 406 });
      }
      const result = this.#bulk(body.toString('utf8'), match[1] ? decodeURIComponent(match[1]) : undefined);
      const filter = url.searchParams.get('filter_path');
      const answer = JSON.stringify(filter ? filterPath(result.body, filter) : result.body);
      this.bulks.push({ at: Date.now(), ids: result.ids, status: result.status, query: url.search, filter, answer });
      send(res, result.status, answer, { 'content-type': 'application/json' });
    }, tls);
  }

  #bulk(text: string, defaultIndex: string | undefined): { status: number; body: object; ids: string[] } {
    const started = Date.now();
    if (text.length > 0 && !text.endsWith('\n')) {
      return {
        status: 400,
        body: errorBody(400, 'illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]'),
        ids: [],
      };
    }
    const lines = text.split('\n');
    lines.pop();
    const items: object[] = [];
    const ids: string[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i++) {
      let action: Record<string, { _index?: string; _id?: string }>;
      try {
        action = JSON.parse(lines[i] as string);
      } catch {
        return { status: 400, body: errorBody(400, 'x_content_parse_exception', `[${i + 1}:1] Unexpected character in action line`), ids };
      }
      const op = Object.keys(action)[0] as string;
      if (!['create', 'index', 'delete'].includes(op)) {
        return {
          status: 400,
          body: errorBody(
            400,
            'illegal_argument_exception',
            `Malformed action/metadata line [${i + 1}], expected one of [create, delete, index, update] but found [${op}]`,
          ),
          ids,
        };
      }
      const meta = action[op] ?? {};
      const index = meta._index ?? defaultIndex;
      if (!index) {
        return { status: 400, body: errorBody(400, 'action_request_validation_exception', 'Validation Failed: 1: index is missing;'), ids };
      }
      let source: Record<string, unknown> = {};
      if (op !== 'delete') {
        i++;
        try {
          source = JSON.parse(lines[i] ?? '');
        } catch (error) {
          items.push({
            [op]: {
              _index: index,
              _id: meta._id ?? null,
              status: 400,
              error: itemError('document_parsing_exception', `[1:1] failed to parse: ${(error as Error).message}`),
            },
          });
          errors = true;
          continue;
        }
      }
      const id = meta._id ?? `auto-${++this.#seqNo}`;
      ids.push(id);
      this.attempts.set(id, (this.attempts.get(id) ?? 0) + 1);
      const fault = this.itemFault?.(id, source);
      if (fault) {
        items.push({ [op]: { _index: index, _id: id, status: fault.status, error: itemError(fault.type, fault.reason) } });
        errors = true;
        continue;
      }
      const docs = this.indices.get(index) ?? new Map<string, StoredDoc>();
      this.indices.set(index, docs);
      const existing = docs.get(id);
      if (op === 'delete') {
        docs.delete(id);
        items.push({
          delete: {
            _index: index,
            _id: id,
            _version: (existing?.version ?? 0) + 1,
            result: existing ? 'deleted' : 'not_found',
            status: existing ? 200 : 404,
          },
        });
        continue;
      }
      if (op === 'create' && existing) {
        items.push({
          create: {
            _index: index,
            _id: id,
            status: 409,
            error: {
              ...itemError(
                'version_conflict_engine_exception',
                `[${id}]: version conflict, document already exists (current version [${existing.version}])`,
              ),
              index_uuid: 'test',
              shard: '0',
              index,
            },
          },
        });
        errors = true;
        continue;
      }
      const mappingError = this.#map(index, source, id);
      if (mappingError) {
        items.push({ [op]: { _index: index, _id: id, status: 400, error: mappingError } });
        errors = true;
        continue;
      }
      const version = (existing?.version ?? 0) + 1;
      docs.set(id, { source, version });
      items.push({
        [op]: {
          _index: index,
          _id: id,
          _version: version,
          result: existing ? 'updated' : 'created',
          _shards: { total: 2, successful: 1, failed: 0 },
          _seq_no: this.#seqNo++,
          _primary_term: 1,
          status: existing ? 200 : 201,
        },
      });
    }
    return { status: 200, body: { errors, took: Date.now() - started, items }, ids };
  }

  /** Dynamic mapping: returns the item error when the document does not fit the mapping. */
  #map(index: string, source: Record<string, unknown>, id: string): object | undefined {
    const mapping = this.mappings.get(index) ?? new Map<string, FieldType>();
    this.mappings.set(index, mapping);
    const added: Array<[string, FieldType]> = [];
    for (const [field, value] of Object.entries(source)) {
      const known = mapping.get(field);
      if (known) {
        const problem = fits(known, value);
        if (problem) {
          return {
            ...itemError(
              'document_parsing_exception',
              `[1:${field.length + 4}] failed to parse field [${field}] of type [${known}] in document with id '${id}'. Preview of field's value: '${String(value)}'`,
            ),
            caused_by: {
              type: known === 'long' || known === 'double' ? 'number_format_exception' : 'illegal_argument_exception',
              reason: problem,
            },
          };
        }
      } else {
        const type = typeOf(value);
        if (type) added.push([field, type]);
      }
    }
    for (const [field, type] of added) mapping.set(field, type);
    return undefined;
  }

  /** Every stored document of an index. */
  docs(index: string): Map<string, StoredDoc> {
    return this.indices.get(index) ?? new Map();
  }

  /** An item error as a busy node answers (write thread pool queue full). */
  static rejectedExecution(): ItemError {
    return {
      status: 429,
      type: 'es_rejected_execution_exception',
      reason:
        'rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=1024, max_coordinating_and_primary_bytes=1024]',
    };
  }
}

function itemError(type: string, reason: string): { type: string; reason: string } {
  return { type, reason };
}

function errorBody(status: number, type: string, reason: string): object {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}
