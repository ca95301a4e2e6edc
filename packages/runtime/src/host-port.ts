/** `host:port` and `[v6]:port` as used by `listen` and `address` config keys. */
export interface HostPort {
  host: string;
  port: number;
}

const bracketed = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/;
const plain = /^([^:\s[\]]+):(\d{1,5})$/;

/** Parses `host:port`; returns undefined when it is not one (port 0 allowed: "any free port"). */
export function tryParseHostPort(text: string): HostPort | undefined {
  const m = bracketed.exec(text) ?? plain.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  return { host: m[1] as string, port };
}

export function parseHostPort(text: string): HostPort {
  const parsed = tryParseHostPort(text);
  if (!parsed) throw new Error(`must be host:port (e.g. 127.0.0.1:4140), got ${JSON.stringify(text)}`);
  return parsed;
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
