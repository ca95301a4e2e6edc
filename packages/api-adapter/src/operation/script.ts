/**
 * `script`: the escape hatch for what the other operations cannot say. Either two JavaScript
 * expressions (`up`, `down`) over `body` and `ctx` that evaluate to the new body, or a `file`
 * (CommonJS style: `module.exports = { up(body, ctx) {…}, down(body, ctx) {…} }`).
 * The code runs in its own `node:vm` context (JavaScript built-ins only: no `require`, no
 * `process`), compiled once at load, and every call is cut off after `timeout_ms`.
 * A script that throws or times out fails the exchange with OUTRIGGER_E_ADAPTER_SCRIPT_FAILED (502).
 * vm contexts are not a security boundary: scripts are trusted like the rest of the config.
 */
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { AdapterError } from '../errors.js';
import type { Box } from '../pointer/index.js';
import type { BodyFn, BodyOp, CompileContext, OpContext } from './types.js';

export interface ScriptSpec {
  type: 'script';
  up?: string;
  down?: string;
  file?: string;
  timeout_ms?: number;
}

interface Sandbox {
  __in: unknown;
  __ctx: unknown;
  __out: unknown;
}

function runner(context: vm.Context & Sandbox, fn: '__up' | '__down', timeout: number, label: string): BodyFn {
  const call = new vm.Script(`__out = ${fn}(__in, __ctx);`, { filename: `${label}#${fn.slice(2)}` });
  return (box: Box, ctx: OpContext) => {
    context.__in = box.v;
    context.__ctx = { method: ctx.method, path: ctx.path, status: ctx.status, message: ctx.message };
    try {
      call.runInContext(context, { timeout });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new AdapterError('OUTRIGGER_E_ADAPTER_SCRIPT_FAILED', `script ${label} (${fn.slice(2)}) failed: ${reason}`, 502, {
        cause: err,
      });
    } finally {
      context.__in = undefined;
      context.__ctx = undefined;
    }
    const out = context.__out;
    context.__out = undefined;
    if (out === undefined || (out !== null && typeof (out as { then?: unknown }).then === 'function')) {
      throw new AdapterError(
        'OUTRIGGER_E_ADAPTER_SCRIPT_FAILED',
        `script ${label} (${fn.slice(2)}) must return the new body synchronously, got ${out === undefined ? 'undefined' : 'a promise'}`,
        502,
      );
    }
    box.v = out;
  };
}

export function compileScript(spec: ScriptSpec, ctx: CompileContext): BodyOp | undefined {
  const timeout = spec.timeout_ms ?? 250;
  const context = vm.createContext({ __in: undefined, __ctx: undefined, __out: undefined }) as vm.Context & Sandbox;
  let label: string;
  try {
    if (spec.file !== undefined) {
      if (spec.up !== undefined || spec.down !== undefined) {
        ctx.issue(`${ctx.at}.file`, 'use either `file` or the `up`/`down` expressions, not both');
        return undefined;
      }
      const file = ctx.resolvePath(spec.file);
      label = spec.file;
      if (file === undefined) {
        const unloaded = () => {
          throw new AdapterError('OUTRIGGER_E_ADAPTER_SCRIPT_FAILED', `script ${spec.file} was not loaded`, 502);
        };
        return { up: unloaded, down: unloaded, summary: `a script (${spec.file}) rewrites the body` };
      }
      let source: string;
      try {
        source = readFileSync(file, 'utf8');
      } catch (err) {
        ctx.issue(`${ctx.at}.file`, `cannot read ${file}: ${(err as Error).message}`);
        return undefined;
      }
      new vm.Script(
        `(() => { const module = { exports: {} }; const exports = module.exports;\n${source}\n;globalThis.__up = module.exports.up; globalThis.__down = module.exports.down; })();`,
        { filename: file },
      ).runInContext(context, { timeout: Math.max(timeout, 1000) });
      for (const fn of ['up', 'down'] as const) {
        if (typeof context[`__${fn}`] !== 'function') {
          ctx.issue(`${ctx.at}.file`, `${spec.file} must export a function \`${fn}(body, ctx)\``);
          return undefined;
        }
      }
    } else {
      label = 'expression';
      for (const fn of ['up', 'down'] as const) {
        const expr = spec[fn];
        if (typeof expr !== 'string' || expr.trim() === '') {
          ctx.issue(`${ctx.at}.${fn}`, 'is required: a JavaScript expression over `body` (write `body` to leave it unchanged)');
          return undefined;
        }
        try {
          new vm.Script(`globalThis.__${fn} = (body, ctx) => (${expr}\n);`, { filename: `${ctx.at}.${fn}` }).runInContext(context);
        } catch (err) {
          ctx.issue(`${ctx.at}.${fn}`, `does not compile: ${(err as Error).message}`);
          return undefined;
        }
      }
      label = ctx.at;
    }
  } catch (err) {
    ctx.issue(`${ctx.at}.file`, `does not load: ${(err as Error).message}`);
    return undefined;
  }
  return {
    up: runner(context, '__up', timeout, label),
    down: runner(context, '__down', timeout, label),
    summary: `a script (${spec.file ?? 'expression'}) rewrites the body`,
  };
}
