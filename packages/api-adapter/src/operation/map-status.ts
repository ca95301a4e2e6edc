/**
 * `map_status`: a status code changes (`400` → `422`, `404` → `410`). Responses only. The map must
 * be one-to-one so that the downgrade is its inverse; other statuses pass unchanged.
 */
import type { CompileContext, ResponseHead, ResponseOp } from './types.js';

export interface MapStatusSpec {
  type: 'map_status';
  map: Record<string, number>;
}

export function compileMapStatus(spec: MapStatusSpec, ctx: CompileContext): ResponseOp | undefined {
  const up = new Map<number, number>();
  const down = new Map<number, number>();
  for (const [k, v] of Object.entries(spec.map ?? {})) {
    const from = Number(k);
    if (!/^[1-5]\d\d$/.test(k) || !Number.isInteger(v) || v < 100 || v > 599) {
      ctx.issue(`${ctx.at}.map.${k}`, 'must map a status code (100-599) to a status code');
      return undefined;
    }
    if (down.has(v)) {
      ctx.issue(`${ctx.at}.map.${k}`, `maps to ${v} like another status; the map must be one-to-one to be invertible`);
      return undefined;
    }
    up.set(from, v);
    down.set(v, from);
  }
  if (up.size === 0) {
    ctx.issue(`${ctx.at}.map`, 'must map at least one status');
    return undefined;
  }
  return {
    up: (res: ResponseHead) => {
      const s = up.get(res.status);
      if (s !== undefined) res.status = s;
    },
    down: (res: ResponseHead) => {
      const s = down.get(res.status);
      if (s !== undefined) res.status = s;
    },
    summary: `status ${[...up].map(([a, b]) => `${a} → ${b}`).join(', ')}`,
  };
}
