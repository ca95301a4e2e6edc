/** The path of an origin-form request target, without its query (what access logs and metrics show: a query may carry a secret). */
export function pathOnly(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}
