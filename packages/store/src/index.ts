export { Store, createStore } from './store.js';
export type { StoreOptions } from './store.js';
export { MIGRATIONS, migrate } from './migrations.js';
export { createAesGcmBox, plainBox } from './secret-box.js';
export type { SecretBox, SecretKey } from './secret-box.js';
export type { DomainRepository } from './domains.js';
export type { UserRepository } from './users.js';
export type {
  AppRecord,
  AppRole,
  CollaboratorRecord,
  UserRecord,
  BuildRecord,
  CertificateRecord,
  DomainRecord,
  FormationRecord,
  ReleaseRecord,
  SlugRecord,
  SourceRecord,
} from './records.js';
