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
  /** For a crashed dyno: when the dyno manager restarts it; null otherwise. */
  restart_at?: string | null;
  /** For a crashed dyno: the exit status of its process, when known. */
  exit_code?: number | null;
  /** For an attached one-off dyno: where to attach (an upgrade to `paas-attach/1`); null otherwise. */
  attach_url?: string | null;
}

/** `POST /apps/:app/dynos`: a one-off dyno (Heroku Platform API shape). */
export interface DynoCreate {
  /** Shell command line, run like a Procfile command. */
  command: string;
  /** Attach stdin and output through `attach_url`; otherwise the output goes to the app's logs. */
  attach?: boolean;
  /** With `attach`: no TTY even so (for pipes). */
  force_no_tty?: boolean;
  /** Dyno size; `basic` when unset. */
  size?: string;
  /** Extra environment for this dyno only (e.g. TERM, COLUMNS, LINES). */
  env?: Record<string, string>;
  /** Seconds before the dyno is killed; 24 hours when unset. */
  time_to_live?: number;
}

/** One change of `PATCH /apps/:app/formation`. */
export interface FormationUpdate {
  type: string;
  quantity?: number;
  size?: string;
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

export interface Domain {
  /** Null for the app's built-in `<app>.<domain>`. */
  id: string | null;
  hostname: string;
  kind: 'default' | 'custom';
  app: AppRef;
  created_at: string;
}

/** A TLS certificate of an app, served by SNI (Heroku: SNI endpoint). The private key is never returned. */
export interface SniEndpoint {
  id: string;
  name: string;
  certificate_chain: string;
  /** The app's host names the certificate covers. */
  domains: string[];
  ssl_cert: { cert_domains: string[]; expires_at: string };
  created_at: string;
}

/** Requests to an app through the routers since the control plane started. */
export interface AppMetrics {
  app: string;
  requests: { total: number; '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** Estimated from the routers' histograms (bucket upper bounds); null before any request. */
  latency_ms: { mean: number | null; p50: number | null; p95: number | null; p99: number | null };
}
