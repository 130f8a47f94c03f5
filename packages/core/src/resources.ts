/**
 * Wire shapes of the control API, following the Heroku Platform API where it has one. Times are ISO 8601
 * strings; ids are UUIDs. These are what `client` returns and what `api` sends.
 */

export interface AppRef {
  id: string;
  name: string;
}

export interface ReleaseRef {
  id: string;
  version: number;
}

export interface App {
  id: string;
  name: string;
  /** URL the router serves the app on, e.g. `http://myapp.localhost/`. */
  web_url: string;
  /** The release that is serving, or null before the first successful deploy. */
  current_release: ReleaseRef | null;
  released_at: string | null;
  maintenance: boolean;
  created_at: string;
  updated_at: string;
}

export type BuildStatus = 'pending' | 'succeeded' | 'failed';

export interface Build {
  id: string;
  app: AppRef;
  status: BuildStatus;
  source_blob: { id: string; checksum: string; version: string | null };
  slug: { id: string } | null;
  /** The release this build produced, once it exists (pending until the dynos are up). */
  release: ReleaseRef | null;
  buildpacks: { name: string }[];
  /** Path on the control API that streams the build's output as plain text until it ends. */
  output_stream_url: string;
  /** Set when the build or its release failed. */
  error: { id: string; message: string } | null;
  created_at: string;
  updated_at: string;
}

export interface Source {
  id: string;
  /** `SHA256:<hex>` of the uploaded gzip tarball. */
  checksum: string;
  size: number;
  created_at: string;
}

export interface Slug {
  id: string;
  checksum: string;
  size: number;
  process_types: Record<string, string>;
  buildpack_provided_description: string | null;
  stack: { name: string };
  commit: string | null;
  created_at: string;
}

export type ReleaseStatus = 'pending' | 'succeeded' | 'failed';

export interface Release {
  id: string;
  app: AppRef;
  version: number;
  description: string;
  status: ReleaseStatus;
  /** True for the release that is serving. */
  current: boolean;
  slug: { id: string } | null;
  user: { email: string };
  /** Why the release failed, when it did. */
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
}

export type DynoState = 'starting' | 'up' | 'crashed' | 'down';

export interface Dyno {
  id: string;
  name: string;
  type: string;
  state: DynoState;
  command: string;
  size: string;
  release: ReleaseRef;
  /** When the dyno entered its current state. */
  updated_at: string;
  created_at: string;
}

export interface Formation {
  type: string;
  quantity: number;
  size: string;
  command: string;
  updated_at: string;
}

export interface Health {
  status: 'ok';
  version: string;
}
