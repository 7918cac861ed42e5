import { isIP } from 'node:net';

/** Where the HTTP server binds: a host name or IP address, and a TCP port. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** The default bind address: loopback only, on the port slo-ledger registers for its /metrics. */
export const DEFAULT_LISTEN = '127.0.0.1:9464';

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/**
 * Parses "HOST:PORT" ("127.0.0.1:9464", "0.0.0.0:9464", "localhost:8080", "[::1]:9464").
 * @throws Error with the accepted form when the text is not one.
 */
export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  const validHost = host !== undefined && (match?.[1] !== undefined ? isIP(host) === 6 : isIP(host) === 4 || HOST_NAME.test(host));
  if (!match || !validHost || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`${JSON.stringify(text)} is not HOST:PORT (e.g. 127.0.0.1:9464, 0.0.0.0:9464, [::1]:9464; port 1..65535)`);
  }
  return { host: host!, port };
}

/** Formats an address back to "HOST:PORT", with brackets around an IPv6 address. */
export function formatListenAddress(address: ListenAddress): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** True when the address only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
