/**
 * The mutating admission webhook's core: an AdmissionReview (admission.k8s.io/v1) in, the review's
 * response with a JSONPatch out. It runs the CLI's core (injectText) on the object, so the patched
 * object is what `outrigger-inject` would write for it.
 */
import { parse } from 'yaml';
import { type InjectOptions, injectText } from './inject.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export interface PatchOp {
  op: 'add' | 'remove' | 'replace';
  path: string;
  value?: Json;
}

const pointer = (path: string, key: string | number) => `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON Patch (RFC 6902) taking `from` to `to`: per key into objects, whole values elsewhere. */
export function diff(from: Json, to: Json, path = ''): PatchOp[] {
  if (isObject(from) && isObject(to)) {
    const ops: PatchOp[] = [];
    for (const k of Object.keys(from)) if (!(k in to)) ops.push({ op: 'remove', path: pointer(path, k) });
    for (const [k, v] of Object.entries(to)) {
      if (!(k in from)) ops.push({ op: 'add', path: pointer(path, k), value: v });
      else ops.push(...diff(from[k] as Json, v, pointer(path, k)));
    }
    return ops;
  }
  return JSON.stringify(from) === JSON.stringify(to) ? [] : [{ op: 'replace', path, value: to }];
}

interface AdmissionReview {
  apiVersion?: string;
  kind?: string;
  request?: { uid?: string; object?: Json; namespace?: string };
}

export async function review(body: AdmissionReview, options: InjectOptions = {}) {
  const uid = body.request?.uid ?? '';
  const respond = (response: Record<string, unknown>) => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid, allowed: true, ...response },
  });
  const object = body.request?.object;
  if (body.kind !== 'AdmissionReview' || !isObject(object)) {
    return respond({ allowed: false, status: { code: 400, message: 'expected an AdmissionReview with request.object' } });
  }
  const r = await injectText(JSON.stringify(object), `admission ${uid}`, options);
  if (r.errors.length > 0) return respond({ allowed: false, status: { code: 422, message: r.errors.join('; ') } });
  const warnings = r.skips.map((s) => `outrigger-inject: ${s.reason}`);
  if (!r.changed) return respond(warnings.length ? { warnings } : {});
  const patch = diff(object, parse(r.output) as Json);
  return respond({
    patchType: 'JSONPatch',
    patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
    ...(warnings.length ? { warnings } : {}),
  });
}
