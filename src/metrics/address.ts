// The value of metrics.listener: http://HOST:PORT, or a bare PORT (loopback only, so metrics are not
// exposed to the network unless a host is named). An empty host (http://:9644) binds every interface.

export interface MetricsAddress {
  host: string;
  port: number;
}

/** The address of a metrics.listener value; a string saying what is wrong if it is not one. */
export function parseMetricsAddress(text: string): MetricsAddress | string {
  const t = text.trim();
  if (/^\d+$/.test(t)) return portOf(t, '127.0.0.1');
  const m = /^http:\/\/(\[[^\]]*\]|[^:/[\]]*):(\d+)\/?$/.exec(t);
  if (m === null) return 'is not http://HOST:PORT or a port number';
  return portOf(m[2], m[1].replace(/^\[|\]$/g, ''));
}

function portOf(text: string, host: string): MetricsAddress | string {
  const port = Number(text);
  return Number.isInteger(port) && port >= 0 && port <= 65535 ? { host, port } : 'has no valid port (0 to 65535)';
}
