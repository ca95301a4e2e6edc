/**
 * `api-adapter test -c FILE [DIR]`: golden tests for a config's mappings. Each `*.yaml`, `*.yml`
 * or `*.json` file in the golden directory (`golden.dir`, default `golden/` next to the config) is
 * one example exchange:
 *
 * ```yaml
 * request:            { method: GET, path: /customers/1, headers: { api-version: "2024-06-01" }, body: ... }
 * upstream_request:   { method: GET, path: /customers/1, headers: {...}, body: ... }   # optional: checked when given
 * upstream_response:  { status: 200, headers: {...}, body: ... }
 * response:           { status: 200, headers: {...}, body: ... }
 * ```
 * Bodies are JSON values (or strings for non-JSON bodies); headers are checked as a subset. The
 * exchange runs through the same engine as the live adapter, without sockets; mismatches are shown
 * as diffs. Exit 0 when every example matches, 1 otherwise.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { CommandDefinition } from '@outrigger/runtime';
import { parse as parseYaml } from 'yaml';
import { isJsonType } from '../body/content-type.js';
import type { AdapterConfig } from '../config.js';
import type { Engine } from '../engine.js';
import { AdapterError } from '../errors.js';
import type { Headers } from '../operation/types.js';
import { lineDiff } from './diff.js';

interface Message {
  method?: string;
  path?: string;
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface GoldenCase {
  name: string;
  request: Message;
  upstream_request?: Message;
  upstream_response?: Message;
  response: Message;
}

export interface Mismatch {
  where: string;
  expected: unknown;
  actual: unknown;
}

function lower(h: Record<string, unknown> | undefined): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k.toLowerCase()] = String(v);
  return out;
}

function canonical(v: unknown): string {
  return JSON.stringify(v, null, 2) ?? 'undefined';
}

function compare(where: string, expected: unknown, actual: unknown, out: Mismatch[]): void {
  if (expected === undefined) return;
  if (canonical(expected) !== canonical(actual)) out.push({ where, expected, actual });
}

function compareHeaders(where: string, expected: Record<string, unknown> | undefined, actual: Headers, out: Mismatch[]): void {
  for (const [k, v] of Object.entries(expected ?? {})) {
    const name = k.toLowerCase();
    const got = actual[name];
    const shown = Array.isArray(got) ? got.join(', ') : got;
    // `null` in the expected headers means "must be absent".
    if (v === null ? shown !== undefined : shown !== String(v))
      out.push({ where: `${where}.headers.${name}`, expected: v, actual: shown ?? null });
  }
}

/** Runs one example through the engine; returns its mismatches (empty when it passes). */
export async function runCase(engine: Engine, c: GoldenCase): Promise<Mismatch[]> {
  const mismatches: Mismatch[] = [];
  const reqHeaders = lower(c.request.headers);
  if (c.request.body !== undefined && reqHeaders['content-type'] === undefined) reqHeaders['content-type'] = 'application/json';
  let exchange: ReturnType<Engine['begin']>;
  const errorOut = (err: AdapterError, ex?: ReturnType<Engine['begin']>) => {
    const e = engine.errorResponse(err, ex);
    compare('response.status', c.response.status, e.status, mismatches);
    compareHeaders('response', c.response.headers, e.headers, mismatches);
    compare('response.body', c.response.body, JSON.parse(e.body.toString()), mismatches);
    return mismatches;
  };
  try {
    exchange = engine.begin({ method: c.request.method ?? 'GET', url: c.request.path ?? '/', headers: reqHeaders });
  } catch (err) {
    if (err instanceof AdapterError) return errorOut(err);
    throw err;
  }
  if (exchange.rejected) return errorOut(exchange.rejected, exchange);
  try {
    let upBody = c.request.body;
    if (upBody !== undefined && exchange.transformsRequestBody && isJsonType(reqHeaders['content-type'])) {
      upBody = await exchange.requestBody(structuredClone(upBody));
    }
    const ur = c.upstream_request;
    if (ur) {
      compare('upstream_request.method', ur.method?.toUpperCase(), exchange.upstream.method, mismatches);
      compare('upstream_request.path', ur.path, exchange.upstream.target, mismatches);
      compareHeaders('upstream_request', ur.headers, exchange.upstream.headers, mismatches);
      compare('upstream_request.body', ur.body, upBody, mismatches);
    }
    const resp = c.upstream_response ?? { status: 200 };
    const respHeaders = lower(resp.headers);
    if (resp.body !== undefined && respHeaders['content-type'] === undefined) respHeaders['content-type'] = 'application/json';
    const out = exchange.response(resp.status ?? 200, respHeaders);
    let body = resp.body;
    if (body !== undefined && out.parse && isJsonType(out.headers['content-type']))
      body = await exchange.responseBody(structuredClone(body), out);
    compare('response.status', c.response.status, out.status, mismatches);
    compareHeaders('response', c.response.headers, out.headers, mismatches);
    compare('response.body', c.response.body, body, mismatches);
  } catch (err) {
    if (err instanceof AdapterError) return errorOut(err, exchange);
    throw err;
  }
  return mismatches;
}

export async function loadCases(dir: string): Promise<GoldenCase[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.(ya?ml|json)$/.test(n)).sort();
  } catch (err) {
    throw new AdapterError('OUTRIGGER_E_ADAPTER_GOLDEN', `cannot read the golden directory ${dir}: ${(err as Error).message}`);
  }
  const cases: GoldenCase[] = [];
  for (const name of names) {
    const file = join(dir, name);
    let doc: unknown;
    try {
      const text = await readFile(file, 'utf8');
      doc = name.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    } catch (err) {
      throw new AdapterError('OUTRIGGER_E_ADAPTER_GOLDEN', `${file}: ${(err as Error).message}`);
    }
    const d = doc as Partial<GoldenCase> | null;
    if (!d || typeof d !== 'object' || typeof d.request !== 'object' || typeof d.response !== 'object') {
      throw new AdapterError('OUTRIGGER_E_ADAPTER_GOLDEN', `${file}: needs a \`request\` and a \`response\` object`);
    }
    cases.push({ ...(d as GoldenCase), name: d.name ?? name });
  }
  return cases;
}

export function testCommand(compile: (config: AdapterConfig, configPath: string) => Engine): CommandDefinition<AdapterConfig> {
  return {
    summary: 'run the golden examples next to the config through the chain',
    async run(ctx) {
      let engine: Engine;
      try {
        engine = compile(ctx.config, ctx.configPath);
      } catch (err) {
        ctx.stderr.write(
          `${ctx.configPath}: ${(err as Error).message} [${(err as { code?: string }).code ?? 'OUTRIGGER_E_ADAPTER_CONFIG'}]\n`,
        );
        return 78;
      }
      const dir = resolve(dirname(ctx.configPath), ctx.args[0] ?? ctx.config.golden.dir);
      let cases: GoldenCase[];
      try {
        cases = await loadCases(dir);
      } catch (err) {
        ctx.stderr.write(`${(err as Error).message} [${(err as AdapterError).code ?? 'OUTRIGGER_E_ADAPTER_GOLDEN'}]\n`);
        return 1;
      }
      if (cases.length === 0) {
        ctx.stderr.write(`no golden examples (*.yaml, *.yml, *.json) in ${dir} [OUTRIGGER_E_ADAPTER_GOLDEN]\n`);
        return 1;
      }
      let failed = 0;
      for (const c of cases) {
        let mismatches: Mismatch[];
        try {
          mismatches = await runCase(engine, c);
        } catch (err) {
          mismatches = [{ where: 'exchange', expected: 'no error', actual: (err as Error).message }];
        }
        if (mismatches.length === 0) {
          ctx.stdout.write(`ok ${c.name}\n`);
          continue;
        }
        failed++;
        ctx.stdout.write(`FAIL ${c.name}\n`);
        for (const m of mismatches) {
          ctx.stdout.write(`  ${m.where}:\n`);
          ctx.stdout.write(`${lineDiff(canonical(m.expected), canonical(m.actual)).replace(/^/gm, '    ')}\n`);
        }
      }
      ctx.stdout.write(`${cases.length - failed} of ${cases.length} examples match\n`);
      return failed === 0 ? 0 : 1;
    },
  };
}
