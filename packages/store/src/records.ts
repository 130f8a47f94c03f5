import type { BuildStatus, ProcessTypes, ReleaseStatus } from '@paas/core';

/** Stored shapes, in the domain's words. The API turns them into wire resources. */
export interface AppRecord {
  id: string;
  name: string;
  /** Current config vars; each release keeps its own snapshot. */
  config: Record<string, string>;
  currentReleaseId: string | null;
  releasedAt: string | null;
  maintenance: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface SourceRecord {
  id: string;
  appId: string;
  path: string;
  size: number;
  checksum: string;
  createdAt: string;
}

export interface SlugRecord {
  id: string;
  appId: string;
  checksum: string;
  path: string;
  size: number;
  image: string;
  processTypes: ProcessTypes;
  buildpack: string | null;
  stack: string;
  commit: string | null;
  createdAt: string;
  /** Set once the retention policy removed the slug's file and image. */
  prunedAt: string | null;
}

export interface BuildRecord {
  id: string;
  appId: string;
  status: BuildStatus;
  sourceId: string;
  sourceChecksum: string;
  sourceVersion: string | null;
  slugId: string | null;
  releaseId: string | null;
  buildpack: string | null;
  error: { id: string; message: string } | null;
  userEmail: string;
  createdAt: string;
  updatedAt: string;
}

export interface ReleaseRecord {
  id: string;
  appId: string;
  version: number;
  slugId: string | null;
  config: Record<string, string>;
  description: string;
  status: ReleaseStatus;
  failureReason: string | null;
  userEmail: string;
  createdAt: string;
  updatedAt: string;
}

export interface FormationRecord {
  appId: string;
  type: string;
  quantity: number;
  size: string;
  updatedAt: string;
}

export interface UserRecord {
  id: string;
  email: string;
  /** scrypt hash, or null for users who only use tokens. */
  passwordHash: string | null;
  admin: boolean;
  createdAt: string;
}

export type AppRole = 'owner' | 'collaborator';

export interface CollaboratorRecord {
  appId: string;
  userId: string;
  email: string;
  role: AppRole;
  createdAt: string;
}

export interface DomainRecord {
  id: string;
  appId: string;
  /** Lower-case host name, or `*.example.com`. */
  hostname: string;
  createdAt: string;
}

export interface CertificateRecord {
  id: string;
  appId: string;
  /** Short name shown to users, unique per app. */
  name: string;
  certPem: string;
  keyPem: string;
  /** Names the certificate covers (its subject alternative names). */
  names: string[];
  expiresAt: string;
  createdAt: string;
}
