import { createSecureContext, type SecureContext } from 'node:tls';
import { normalizeHostname, type RouteCertificate } from '@paas/core';
import { HostIndex, normalizeHostHeader } from './host-match.js';
import type { TableProblem } from './route-table.js';

/** A certificate ready for handshakes. */
export interface LoadedCertificate {
  readonly id: string;
  readonly app: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly context: SecureContext;
}

/**
 * The certificates of a route table by host name, for SNI: an exact name first, else the wildcard with
 * the longest suffix (as routing matches hosts). Built with the table, so both change in one step.
 */
export class CertificateIndex {
  private readonly hosts = new HostIndex<LoadedCertificate>();
  readonly byId = new Map<string, LoadedCertificate>();

  /** The certificate for a TLS server name, if any. */
  find(serverName: string): LoadedCertificate | undefined {
    const host = normalizeHostHeader(serverName);
    return host === undefined ? undefined : this.hosts.match(host);
  }

  get size(): number {
    return this.byId.size;
  }

  /**
   * Loads a table's certificates. Contexts of certificates that did not change are reused (building
   * one costs about a millisecond); unusable ones are skipped and reported.
   */
  static build(list: readonly RouteCertificate[] | undefined, previous: CertificateIndex | undefined, problems: TableProblem[]): CertificateIndex {
    const index = new CertificateIndex();
    for (const cert of Array.isArray(list) ? list : []) {
      const app = String(cert.app);
      const id = String(cert.id);
      if (index.byId.has(id)) {
        problems.push({ app, problem: `certificate ${id} listed twice` });
        continue;
      }
      const old = previous?.byId.get(id);
      let loaded: LoadedCertificate;
      if (old !== undefined && old.certPem === cert.certPem && old.keyPem === cert.keyPem) {
        loaded = old;
      } else {
        try {
          const context = createSecureContext({ cert: cert.certPem, key: cert.keyPem });
          loaded = { id, app, certPem: cert.certPem, keyPem: cert.keyPem, context };
        } catch (err) {
          problems.push({ app, problem: `certificate ${id} is unusable: ${(err as Error).message}` });
          continue;
        }
      }
      index.byId.set(id, loaded);
      for (const raw of Array.isArray(cert.hosts) ? cert.hosts : []) {
        const host = typeof raw === 'string' ? normalizeHostname(raw, { wildcard: true }) : undefined;
        if (host === undefined) problems.push({ app, problem: `certificate ${id}: invalid host ${JSON.stringify(raw)}` });
        else if (!index.hosts.add(host, loaded)) problems.push({ app, problem: `certificate ${id}: host ${host} already has a certificate` });
      }
    }
    return index;
  }
}
