export { Store, createStore } from './store.js';
export type { StoreOptions } from './store.js';
export { MIGRATIONS, migrate } from './migrations.js';
export type { AppRecord, BuildRecord, FormationRecord, ReleaseRecord, SlugRecord, SourceRecord } from './records.js';
