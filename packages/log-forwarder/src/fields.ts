/** Dotted field paths on events (`kubernetes.pod`): get, set and delete. */

export function getField(obj: Record<string, unknown>, path: string): unknown {
  if (!path.includes('.')) return obj[path];
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export function setField(obj: Record<string, unknown>, path: string, value: unknown): void {
  if (!path.includes('.')) {
    obj[path] = value;
    return;
  }
  const keys = path.split('.');
  let cur = obj;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i] as string;
    const next = cur[key];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
      // Copy on write: nested objects may be shared with another branch of the pipeline.
      const copy = { ...(next as Record<string, unknown>) };
      cur[key] = copy;
      cur = copy;
    } else {
      const created: Record<string, unknown> = {};
      cur[key] = created;
      cur = created;
    }
  }
  cur[keys[keys.length - 1] as string] = value;
}

/** Deletes `path`; returns whether it existed. */
export function deleteField(obj: Record<string, unknown>, path: string): boolean {
  if (!path.includes('.')) {
    if (!(path in obj)) return false;
    delete obj[path];
    return true;
  }
  const keys = path.split('.');
  const parentPath = keys.slice(0, -1).join('.');
  const parent = getField(obj, parentPath);
  if (typeof parent !== 'object' || parent === null) return false;
  const last = keys[keys.length - 1] as string;
  if (!(last in parent)) return false;
  const copy = { ...(parent as Record<string, unknown>) };
  delete copy[last];
  setField(obj, parentPath, copy);
  return true;
}

/** A field value as text, for matching: strings as they are, other values as JSON, missing as "". */
export function fieldText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
