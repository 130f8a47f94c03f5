import { X509Certificate, createPrivateKey } from 'node:crypto';
import { PaasError } from '@paas/core';

export interface ParsedCertificate {
  /** Subject alternative DNS names (or the subject CN when there are none), lower-case. */
  names: string[];
  expiresAt: Date;
  subject: string;
  issuer: string;
}

/**
 * Checks that a PEM certificate chain and private key belong together and can be served: parseable, key
 * matches, not expired. Messages never include the key.
 */
export function parseCertificate(chainPem: string, keyPem: string, now: Date): ParsedCertificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(chainPem);
  } catch {
    throw new PaasError('certificate_invalid', 'The certificate is not a PEM X.509 certificate.');
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new PaasError('certificate_invalid', 'The private key is not a PEM private key (or it is encrypted; remove the passphrase).');
  }
  if (!cert.checkPrivateKey(key)) throw new PaasError('certificate_invalid', 'The private key does not belong to the certificate.');
  const expiresAt = new Date(cert.validTo);
  if (expiresAt.getTime() <= now.getTime()) {
    throw new PaasError('certificate_invalid', `The certificate expired on ${expiresAt.toISOString()}.`);
  }
  const san = (cert.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).toLowerCase());
  const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1]?.toLowerCase();
  const names = san.length > 0 ? san : cn ? [cn] : [];
  if (names.length === 0) throw new PaasError('certificate_invalid', 'The certificate names no host.');
  return { names, expiresAt, subject: cert.subject.replace(/\n/g, ', '), issuer: cert.issuer.replace(/\n/g, ', ') };
}

/** Whether a certificate name (`www.example.com`, `*.example.com`) covers `host` (also possibly `*.…`). */
export function certificateCovers(name: string, host: string): boolean {
  if (name === host) return true;
  if (!name.startsWith('*.')) return false;
  const suffix = name.slice(1); // ".example.com"
  // A wildcard covers exactly one label, as in TLS; a wildcard host needs the same wildcard name.
  if (host.startsWith('*.')) return false;
  return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes('.');
}
