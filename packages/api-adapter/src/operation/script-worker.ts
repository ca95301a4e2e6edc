/**
 * The code of a script worker (a `worker_threads` worker started with `eval`, so it needs no file
 * of its own next to the bundle). Each script gets its own `vm` context with no host objects in
 * it: bodies arrive as JSON text and are parsed *inside* the context, so a body's
 * `constructor.constructor` is the context's own `Function`, which reaches nothing but the
 * context. Microtasks run inside the call and count against its timeout (`afterEvaluate`).
 */
export const workerSource = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const vm = require('node:vm');
const message = (err) => (err !== null && typeof err === 'object' && 'message' in err ? String(err.message) : String(err));
const check = (fn) =>
  '__out = (() => { const r = __' + fn + '(JSON.parse(__in), JSON.parse(__ctx));' +
  ' if (r === undefined) throw new Error("must return the new body synchronously, got undefined");' +
  ' if (r !== null && typeof r === "object" && typeof r.then === "function") throw new Error("must return the new body synchronously, got a promise");' +
  ' return JSON.stringify(r); })();';
const loaded = workerData.scripts.map((s) => {
  try {
    const context = vm.createContext({}, { microtaskMode: 'afterEvaluate', codeGeneration: { wasm: false } });
    if (s.kind === 'file') {
      new vm.Script(
        '(() => { const module = { exports: {} }; const exports = module.exports;\n' + s.source +
          '\n;globalThis.__up = module.exports.up; globalThis.__down = module.exports.down; })();',
        { filename: s.label },
      ).runInContext(context, { timeout: Math.max(s.timeout, 1000) });
    } else {
      for (const fn of ['up', 'down'])
        new vm.Script('globalThis.__' + fn + ' = (body, ctx) => (' + s[fn] + '\n);', { filename: s.label + '.' + fn }).runInContext(context);
    }
    const calls = {};
    for (const fn of ['up', 'down']) {
      calls[fn] = typeof context['__' + fn] === 'function'
        ? new vm.Script(check(fn), { filename: s.label + '#' + fn })
        : 'must export a function ' + fn + '(body, ctx)';
    }
    return { context, calls };
  } catch (err) {
    return { error: 'does not load: ' + message(err) };
  }
});
parentPort.on('message', (m) => {
  const s = loaded[m.id];
  try {
    if (s.error) throw new Error(s.error);
    const call = s.calls[m.fn];
    if (typeof call === 'string') throw new Error(call);
    s.context.__in = m.body;
    s.context.__ctx = m.ctx;
    call.runInContext(s.context, { timeout: m.timeout });
    const out = s.context.__out;
    s.context.__out = undefined;
    s.context.__in = undefined;
    parentPort.postMessage({ ok: true, body: out });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: message(err) });
  }
});
`;
