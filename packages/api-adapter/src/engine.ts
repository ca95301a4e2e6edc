/**
 * The adapter without sockets: from the caller's request line and headers to the upstream's,
 * and from the upstream's response head to the caller's, plus the body transformations to run.
 * `proxy.ts` drives it with real streams; `api-adapter test` drives it with golden examples.
 */
import { type ConfigIssue, removeHopByHop } from '@outrigger/runtime';
import type { AdapterConfig } from './config.js';
import { AdapterError } from './errors.js';
import { markEtag, unmarkEtags } from './etag.js';
import { addToList } from './headers.js';
import { compileBodyLinks, type LinkRewrite, rewriteLinkHeader, rewrites, rewriteUrl } from './link-rewrite.js';
import { ScriptPool } from './operation/script-pool.js';
import type { BodyFn, Headers, OpContext, RequestHead } from './operation/types.js';
import { PointerError, parsePointer } from './pointer/index.js';
import { normalisePath } from './request-path.js';
import {
  Chain,
  checkPrefixTemplate,
  compileEndpoints,
  compileNegotiator,
  type EndpointMatcher,
  type Negotiated,
  type Negotiator,
  type Plan,
  runBody,
  runResponseBody,
  runResponseBodySync,
  splitPath,
} from './version/index.js';
import { compileRecogniser, type Recogniser, type ResourceConfig } from './version/resource.js';

export type EngineConfig = Pick<AdapterConfig, 'mode' | 'upstream' | 'versioning' | 'versions' | 'links' | 'adapter_errors'> &
  Partial<Pick<AdapterConfig, 'scripts' | 'resources' | 'body'>>;

export interface IncomingHead {
  method: string;
  /** The request target as received: origin-form (`/a?b`) or absolute-form. */
  url: string;
  headers: Headers;
  /** The caller's address, for `X-Forwarded-For` in inbound mode. */
  remoteAddress?: string | undefined;
  /** Whether the caller reached us over TLS (for the origin of rewritten links). */
  secure?: boolean;
}

export interface OutgoingResponse {
  status: number;
  headers: Headers;
  /** Body functions in application order; empty when the body goes through untouched. */
  bodyFns: { fn: BodyFn; status: number }[];
  /** Whether the body must be parsed (body changes or body link fields apply). */
  parse: boolean;
}

/** Statuses whose bodies are never parsed (no body, or a partial one). */
function bodiless(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || status === 206 || status < 200;
}

function splitTarget(url: string): { path: string; query: string } {
  let target = url;
  if (!target.startsWith('/')) {
    // absolute-form (a client configured with us as its proxy)
    try {
      const u = new URL(target);
      target = u.pathname + u.search;
    } catch {
      target = '/';
    }
  }
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

function fill(template: unknown, values: { code: string; message: string; status: number }): unknown {
  if (typeof template === 'string') {
    if (template === '{status}') return values.status;
    return template.replace(/\{(code|message|status)\}/g, (_a, k: 'code' | 'message' | 'status') => String(values[k]));
  }
  if (Array.isArray(template)) return template.map((x) => fill(x, values));
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) out[k] = fill(v, values);
    return out;
  }
  return template;
}

function compileResources(list: readonly ResourceConfig[], issue: (path: string, message: string) => void): Map<string, Recogniser> {
  const out = new Map<string, Recogniser>();
  list.forEach((r, i) => {
    if (out.has(r.name)) issue(`resources[${i}].name`, `resource ${JSON.stringify(r.name)} is declared twice`);
    if (Object.keys(r.match ?? {}).length === 0 && (r.fields ?? []).length === 0) {
      issue(`resources[${i}]`, 'give `match` (a discriminator such as {object: customer}) or `fields`, or both');
    }
    out.set(r.name, compileRecogniser(r));
  });
  return out;
}

export class Exchange {
  readonly negotiated: Negotiated;
  readonly plan: Plan;
  /** The request as it goes upstream; `target` includes the upstream prefix and the query. */
  readonly upstream: { method: string; target: string; headers: Headers };
  readonly links: LinkRewrite;
  private readonly engine: Engine;

  constructor(engine: Engine, negotiated: Negotiated, plan: Plan, links: LinkRewrite, trailingSlash = false) {
    this.engine = engine;
    this.negotiated = negotiated;
    this.plan = plan;
    this.links = links;
    const r = plan.request;
    const slash = trailingSlash && !r.path.endsWith('/') ? '/' : '';
    this.upstream = {
      method: r.method,
      target: `${engine.upstreamPrefix}${r.path}${slash}${r.query === '' ? '' : `?${r.query}`}`,
      headers: r.headers,
    };
  }

  get callerVersion(): string {
    return this.negotiated.version;
  }

  /** The removed-endpoint error, when the route does not exist on the other side. */
  get rejected(): AdapterError | undefined {
    const rej = this.plan.rejected;
    if (!rej) return undefined;
    return new AdapterError(
      'OUTRIGGER_E_ADAPTER_ENDPOINT_REMOVED',
      `${this.plan.request.method} ${this.negotiated.path} was removed in API version ${rej.change.version} (${rej.change.description}); this caller speaks ${this.callerVersion}`,
      rej.status,
    );
  }

  get transformsRequestBody(): boolean {
    return this.plan.requestBody.length > 0;
  }

  context(message: 'request' | 'response', status?: number): OpContext {
    const ctx: OpContext = { method: this.plan.request.method, path: this.plan.request.path, message };
    if (this.engine.onWalkLimit) ctx.walkLimit = this.engine.onWalkLimit;
    if (status !== undefined) ctx.status = status;
    return ctx;
  }

  requestBody(doc: unknown): Promise<unknown> {
    return runBody(this.plan.requestBody, doc, this.context('request'));
  }

  /** Adapts the upstream's response head for the caller (a copy; the input is not changed). */
  response(status: number, upstreamHeaders: Headers): OutgoingResponse {
    const headers: Headers = { ...upstreamHeaders };
    removeHopByHop(headers);
    const res = { status, headers };
    const seen = this.plan.walkResponse(res);
    const method = this.plan.request.method;
    const noBody = bodiless(method, status);
    const crossing = this.plan.upstreamVersion !== this.callerVersion;
    const linkMove = rewrites(this.links);
    const bodyFns = noBody ? [] : this.plan.responseBody(seen);
    const parse = !noBody && (bodyFns.length > 0 || (linkMove && this.bodyLinksApply()));
    if (linkMove) {
      for (const name of ['location', 'content-location'] as const) {
        const v = headers[name];
        if (typeof v === 'string') headers[name] = rewriteUrl(v, this.links);
      }
      const link = headers.link;
      if (link !== undefined)
        headers.link = Array.isArray(link) ? link.map((l) => rewriteLinkHeader(l, this.links)) : rewriteLinkHeader(link, this.links);
    }
    if (crossing && typeof headers.etag === 'string') headers.etag = markEtag(headers.etag, this.callerVersion);
    this.engine.versionHeaders(headers, this.callerVersion);
    if (method === 'HEAD' && this.plan.transformsResponseBody(seen)) headers['content-length'] = undefined;
    return { status: res.status, headers, bodyFns, parse };
  }

  /** Whether configured body link fields are rewritten on this route. */
  private bodyLinksApply(): boolean {
    if (this.engine.bodyLinks === undefined) return false;
    const only = this.engine.linkEndpoints;
    return only ? only(this.plan.request.method, splitPath(this.plan.request.path)) : this.plan.matched;
  }

  async responseBody(doc: unknown, out: OutgoingResponse): Promise<unknown> {
    let v = await runResponseBody(out.bodyFns, doc, this.context('response', out.status));
    const links = this.engine.bodyLinks;
    if (links && rewrites(this.links) && this.bodyLinksApply()) {
      const box = { v };
      links(box, this.links);
      v = box.v;
    }
    return v;
  }
}

export class Engine {
  readonly chain: Chain;
  readonly negotiate: Negotiator;
  readonly versionHeader: string;
  readonly upstreamPrefix: string;
  readonly upstreamOrigin: string;
  readonly bodyLinks: ReturnType<typeof compileBodyLinks>;
  /** Routes whose bodies carry link fields; undefined = the routes a change applies to. */
  readonly linkEndpoints: EndpointMatcher | undefined;
  private readonly config: EngineConfig;
  private readonly hostHeader: 'preserve' | 'upstream';
  private readonly upstreamHost: string;

  /** Where the chain's `script` operations run. */
  readonly scripts: ScriptPool;
  /** Told when a resource walk stops at a limit (the adapter counts it). */
  onWalkLimit: ((limit: 'depth' | 'nodes') => void) | undefined;

  private constructor(config: EngineConfig, chain: Chain, scripts: ScriptPool) {
    this.config = config;
    this.chain = chain;
    this.scripts = scripts;
    const v = config.versioning ?? { header: 'api-version', echo_header: true };
    this.versionHeader = (v.header ?? 'api-version').toLowerCase();
    this.negotiate = compileNegotiator({
      header: this.versionHeader,
      pathPrefix: v.path_prefix,
      default: v.default ?? chain.newest,
      versions: chain.versions,
    });
    this.upstreamPrefix = (config.upstream.path_prefix ?? '').replace(/\/$/, '');
    const url = new URL(config.upstream.url);
    this.upstreamOrigin = url.origin.toLowerCase();
    this.upstreamHost = url.host;
    this.hostHeader = config.upstream.host_header ?? (config.mode === 'outbound' ? 'upstream' : 'preserve');
    this.bodyLinks = compileBodyLinks(config.links?.body_fields ?? []);
    const le = config.links?.endpoints ?? [];
    this.linkEndpoints = le.length > 0 ? compileEndpoints(le, 'links.endpoints', () => {}) : undefined;
  }

  /** Compiles the config; every problem is returned with its config path. */
  static compile(
    config: EngineConfig,
    resolvePath: (p: string) => string | undefined = (p) => p,
  ): { engine?: Engine; issues: ConfigIssue[] } {
    const issues: ConfigIssue[] = [];
    const issue = (path: string, message: string) => issues.push({ path, message });
    const scripts = new ScriptPool({ workers: config.scripts?.workers ?? 1, maxMemoryMb: config.scripts?.max_memory_mb ?? 64 });
    const resources = compileResources(config.resources ?? [], issue);
    const walkLimits = {
      maxDepth: config.body?.resource_max_depth ?? 64,
      maxNodes: config.body?.resource_max_nodes ?? 1_000_000,
    };
    const chain = Chain.compile(config.versions, config.upstream.version, { issue, resolvePath, scripts, resources, walkLimits });
    const v = config.versioning;
    if (v?.default !== undefined && !chain.has(v.default)) {
      issue(
        'versioning.default',
        `must be one of the configured versions (${chain.versions.join(', ')}), got ${JSON.stringify(v.default)}`,
      );
    }
    if (v?.path_prefix !== undefined && v.path_prefix !== '') {
      const problem = checkPrefixTemplate(v.path_prefix);
      if (problem) issue('versioning.path_prefix', `${problem}, got ${JSON.stringify(v.path_prefix)}`);
    }
    if (v !== undefined && (v.header ?? '') === '' && !v.path_prefix) {
      issue('versioning', 'set `header` or `path_prefix` (or both): otherwise every caller gets the default version');
    }
    if (v?.header && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(v.header))
      issue('versioning.header', `must be a header name, got ${JSON.stringify(v.header)}`);
    const prefix = config.upstream.path_prefix ?? '';
    if (prefix !== '' && (!prefix.startsWith('/') || prefix.includes('?'))) {
      issue('upstream.path_prefix', `must start with "/" and be a path, got ${JSON.stringify(prefix)}`);
    }
    (config.links?.body_fields ?? []).forEach((p, i) => {
      try {
        parsePointer(p);
      } catch (err) {
        issue(`links.body_fields[${i}]`, err instanceof PointerError ? err.message : String(err));
      }
    });
    compileEndpoints(config.links?.endpoints ?? [], 'links.endpoints', issue);
    const ev = config.adapter_errors?.version;
    if (ev !== undefined && !chain.has(ev))
      issue('adapter_errors.version', `must be one of the configured versions, got ${JSON.stringify(ev)}`);
    if (issues.length > 0) return { issues };
    return { engine: new Engine(config, chain, scripts), issues };
  }

  /**
   * Starts an exchange: negotiates the caller's version and walks the request to the upstream's.
   * Throws AdapterError (400) when the version is unknown or contradictory.
   */
  begin(input: IncomingHead): Exchange {
    const { path: rawPath, query } = splitTarget(input.url);
    const normal = normalisePath(rawPath);
    const negotiated = this.negotiate(normal.path, input.headers);
    const headers: Headers = { ...input.headers };
    removeHopByHop(headers);
    // `Expect: 100-continue` was answered by our own server; it is not forwarded.
    if (headers.expect !== undefined) headers.expect = undefined;
    const req: RequestHead = { method: input.method.toUpperCase(), path: negotiated.path, query, headers };
    const plan = this.chain.plan(negotiated.version, req);
    // Upstream-facing headers that are the adapter's business, after the changes ran.
    if (this.versionHeader !== '') headers[this.versionHeader] = this.chain.upstreamVersion;
    if (this.hostHeader === 'upstream') headers.host = this.upstreamHost;
    for (const name of ['if-none-match', 'if-match'] as const) {
      const v = headers[name];
      if (typeof v === 'string') headers[name] = unmarkEtags(v);
    }
    if (this.config.mode !== 'outbound' && input.remoteAddress) {
      headers['x-forwarded-for'] = addToList(headers['x-forwarded-for'], input.remoteAddress);
    }
    const host = typeof input.headers.host === 'string' ? input.headers.host.toLowerCase() : undefined;
    const links: LinkRewrite = {
      from: this.upstreamPrefix,
      to: negotiated.prefix,
      upstreamOrigin: this.upstreamOrigin,
      callerOrigin: host ? `${input.secure ? 'https' : 'http'}://${host}` : undefined,
    };
    return new Exchange(this, negotiated, plan, links, normal.trailingSlash);
  }

  /** Sets the served-version echo and `Vary` on response headers. */
  versionHeaders(headers: Headers, version: string | undefined): void {
    if (this.versionHeader === '') return;
    if (version !== undefined && this.config.versioning?.echo_header !== false) headers[this.versionHeader] = version;
    else headers[this.versionHeader] = undefined;
    headers.vary = addToList(headers.vary, this.versionHeader);
  }

  /**
   * The response for an error the adapter answers itself, in the caller's error shape when the
   * caller's version is known (the template is walked through the `error_body` changes).
   */
  errorResponse(err: AdapterError, exchange?: Exchange): { status: number; headers: Headers; body: Buffer } {
    const values = { code: err.code, message: err.message, status: err.status };
    let doc = fill(this.config.adapter_errors?.body ?? { error: { code: '{code}', message: '{message}' } }, values);
    const caller = exchange?.callerVersion;
    const shapeVersion = this.config.adapter_errors?.version ?? this.chain.newest;
    if (exchange && caller !== undefined && caller !== shapeVersion) {
      try {
        const req: RequestHead = { method: exchange.upstream.method, path: exchange.negotiated.path, query: '', headers: {} };
        const p = this.chain.plan(caller, req, shapeVersion);
        const seen = p.walkResponse({ status: err.status, headers: {} });
        doc = runResponseBodySync(p.responseBody(seen), doc, {
          method: req.method,
          path: req.path,
          message: 'response',
          status: err.status,
        });
      } catch {
        // A failing operation must not hide the original error, and scripts (which run in
        // workers) do not reshape the adapter's own errors: keep the template's shape.
      }
    }
    const body = Buffer.from(JSON.stringify(doc));
    const headers: Headers = { 'content-type': 'application/json', 'content-length': String(body.length) };
    this.versionHeaders(headers, caller);
    return { status: err.status, headers, body };
  }
}
