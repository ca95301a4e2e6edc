/**
 * `script`: the escape hatch for what the other operations cannot say. Either two JavaScript
 * expressions (`up`, `down`) over `body` and `ctx` that evaluate to the new body, or a `file`
 * (CommonJS style: `module.exports = { up(body, ctx) {…}, down(body, ctx) {…} }`).
 *
 * Compiling only compiles (so `check` runs none of the code); calls run in the script pool's
 * workers (`script-pool.ts`), with the body as a copy and a hard deadline of `timeout_ms`.
 * A script that throws, times out or takes its worker down fails the exchange with
 * OUTRIGGER_E_ADAPTER_SCRIPT_FAILED (502); the sidecar keeps serving.
 * Scripts are trusted code, like the rest of the config: the workers contain bugs, not attackers.
 */
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { AdapterError } from '../errors.js';
import type { Box } from '../pointer/index.js';
import { ScriptPool, type ScriptSource } from './script-pool.js';
import type { BodyFn, BodyOp, CompileContext, OpContext } from './types.js';

export interface ScriptSpec {
  type: 'script';
  up?: string;
  down?: string;
  file?: string;
  timeout_ms?: number;
}

function runner(pool: ScriptPool, id: number, fn: 'up' | 'down', timeout: number, label: string): BodyFn {
  return async (box: Box, ctx: OpContext) => {
    const context = JSON.stringify({ method: ctx.method, path: ctx.path, status: ctx.status, message: ctx.message });
    let text: string;
    try {
      text = await pool.run(id, fn, JSON.stringify(box.v) ?? 'null', context, timeout);
    } catch (reason) {
      throw new AdapterError('OUTRIGGER_E_ADAPTER_SCRIPT_FAILED', `script ${label} (${fn}) failed: ${String(reason)}`, 502);
    }
    box.v = JSON.parse(text);
  };
}

/** Compiles without running: a syntax error is reported, nothing is executed. */
function compiles(code: string, filename: string): string | undefined {
  try {
    new vm.Script(code, { filename });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export function compileScript(spec: ScriptSpec, ctx: CompileContext): BodyOp | undefined {
  const timeout = spec.timeout_ms ?? 250;
  const summary = `a script (${spec.file ?? 'expression'}) rewrites the body`;
  let source: ScriptSource;
  if (spec.file !== undefined) {
    if (spec.up !== undefined || spec.down !== undefined) {
      ctx.issue(`${ctx.at}.file`, 'use either `file` or the `up`/`down` expressions, not both');
      return undefined;
    }
    const file = ctx.resolvePath(spec.file);
    if (file === undefined) {
      const unloaded = () => {
        throw new AdapterError('OUTRIGGER_E_ADAPTER_SCRIPT_FAILED', `script ${spec.file} was not loaded`, 502);
      };
      return { up: unloaded, down: unloaded, summary };
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      ctx.issue(`${ctx.at}.file`, `cannot read ${file}: ${(err as Error).message}`);
      return undefined;
    }
    const problem = compiles(`(function (module, exports) {\n${text}\n})`, file);
    if (problem) {
      ctx.issue(`${ctx.at}.file`, `does not compile: ${problem}`);
      return undefined;
    }
    source = { kind: 'file', label: spec.file, source: text, timeout };
  } else {
    for (const fn of ['up', 'down'] as const) {
      const expr = spec[fn];
      if (typeof expr !== 'string' || expr.trim() === '') {
        ctx.issue(`${ctx.at}.${fn}`, 'is required: a JavaScript expression over `body` (write `body` to leave it unchanged)');
        return undefined;
      }
      const problem = compiles(`(body, ctx) => (${expr}\n);`, `${ctx.at}.${fn}`);
      if (problem) {
        ctx.issue(`${ctx.at}.${fn}`, `does not compile: ${problem}`);
        return undefined;
      }
    }
    source = { kind: 'expr', label: ctx.at, up: spec.up as string, down: spec.down as string, timeout };
  }
  // Without an engine's pool (single operations in tests), the operation gets one of its own.
  const pool = ctx.scripts ?? new ScriptPool();
  const id = pool.register(source);
  return {
    up: runner(pool, id, 'up', timeout, source.label),
    down: runner(pool, id, 'down', timeout, source.label),
    summary,
  };
}
