/**
 * Host header → route lookup. Exact names and `*.suffix` wildcards are kept in maps built once per
 * table; a bounded cache keyed by the raw header value makes the common request one Map lookup.
 */

/** Raw Host values remembered per table; cleared when full so hostile Host headers cannot grow it. */
const CACHE_LIMIT = 4096;

/**
 * The routable name in a Host header: lower-case, without port or trailing dot. Undefined when empty.
 * IPv6 literals keep their brackets (no route names them, so they simply do not match).
 */
export function normalizeHostHeader(raw: string): string | undefined {
  let end = raw.length;
  if (raw.charCodeAt(0) === 91 /* [ */) {
    const close = raw.indexOf(']');
    end = close === -1 ? end : close + 1;
  } else {
    const colon = raw.lastIndexOf(':');
    if (colon !== -1) end = colon;
  }
  if (end > 0 && raw.charCodeAt(end - 1) === 46 /* . */) end--;
  if (end === 0) return undefined;
  const host = end === raw.length ? raw : raw.slice(0, end);
  return host.toLowerCase();
}

export class HostIndex<T> {
  private readonly exact = new Map<string, T>();
  /** Keyed by what follows `*.`. */
  private readonly wildcard = new Map<string, T>();
  private readonly cache = new Map<string, T | null>();

  /**
   * Adds a normalised host name (`a.example.com` or `*.example.com`). Returns false when the name is
   * already taken, in which case the first owner keeps it.
   */
  add(host: string, value: T): boolean {
    const isWildcard = host.startsWith('*.');
    const map = isWildcard ? this.wildcard : this.exact;
    const key = isWildcard ? host.slice(2) : host;
    if (map.has(key)) return false;
    map.set(key, value);
    return true;
  }

  /** The value routed for a raw Host header value, if any. */
  lookup(rawHost: string): T | undefined {
    const cached = this.cache.get(rawHost);
    if (cached !== undefined) return cached ?? undefined;
    const host = normalizeHostHeader(rawHost);
    const found = host === undefined ? undefined : this.match(host);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(rawHost, found ?? null);
    return found;
  }

  /** Exact name first, then the wildcard with the longest suffix (the most specific one). */
  match(host: string): T | undefined {
    const exact = this.exact.get(host);
    if (exact !== undefined) return exact;
    if (this.wildcard.size === 0) return undefined;
    for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
      const found = this.wildcard.get(host.slice(dot + 1));
      if (found !== undefined) return found;
    }
    return undefined;
  }
}
