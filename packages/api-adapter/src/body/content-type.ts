/** JSON media types: `application/json` and any `*\/*+json` (RFC 6839), parameters ignored. */
export function isJsonType(contentType: string | string[] | undefined): boolean {
  const v = Array.isArray(contentType) ? contentType[0] : contentType;
  if (!v) return false;
  const semi = v.indexOf(';');
  const type = (semi < 0 ? v : v.slice(0, semi)).trim().toLowerCase();
  return type === 'application/json' || (type.endsWith('+json') && type.includes('/'));
}
