/**
 * The `Date` a response without one gets (RFC 9110 §6.6.1: a proxy forwarding a response without
 * Date adds one; its own responses need one too). A cache of the clock, one string a second.
 */
let dateSecond = -1;
let dateValue = '';

export function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateValue = new Date(now).toUTCString();
  }
  return dateValue;
}
