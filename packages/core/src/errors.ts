/**
 * Coded errors shared by every package. A code is a stable, lower-case, snake-case string that is also
 * the `id` of the JSON error body on the wire (as in the Heroku Platform API). Codes map to HTTP status
 * in exactly one place (the API's error handler) and to CLI exit codes in one place (the CLI).
 */
export const ERROR_CODES = {
  invalid_params: 'A request parameter or body field is invalid.',
  invalid_app_name: 'The app name does not match ^[a-z][a-z0-9-]{1,29}$.',
  invalid_procfile: 'The Procfile cannot be parsed.',
  unauthorized: 'The API token is missing or wrong.',
  forbidden: 'The user may not do this to this resource.',
  rate_limited: 'Too many attempts; wait before trying again.',
  user_not_found: 'No user with that email exists.',
  not_found: 'No such route or resource.',
  app_not_found: 'No app with that name exists.',
  build_not_found: 'No build with that id exists for the app.',
  release_expired: 'The release is older than the retention; its code was removed to free disk.',
  release_not_found: 'No release with that id or version exists for the app.',
  source_not_found: 'No uploaded source with that id exists for the app.',
  dyno_not_found: 'No dyno with that name exists for the app.',
  app_name_taken: 'An app with that name already exists.',
  domain_taken: 'The domain is already added to an app.',
  domain_not_found: 'The app has no such domain.',
  certificate_invalid: 'The certificate or key cannot be used.',
  certificate_not_found: 'The app has no such certificate.',
  config_too_large: 'The config vars together exceed the configured size limit.',
  confirmation_required: 'The destructive action needs the app name as confirmation.',
  payload_too_large: 'The request body is larger than the configured limit.',
  source_invalid: 'The uploaded source archive is malformed or unsafe.',
  source_too_large: 'The extracted source exceeds a configured limit.',
  no_buildpack: 'No buildpack accepted the app.',
  slug_compile_failed: 'The buildpack failed to compile the app.',
  slug_too_large: 'The compiled slug exceeds the configured size limit.',
  build_timeout: 'The build ran longer than the configured limit.',
  dyno_boot_timeout: 'A web dyno did not accept connections on $PORT in time.',
  release_failed: 'The release could not be made live.',
  no_release: 'The app has no release yet; push code first.',
  runtime_unavailable: 'The container runtime (Docker engine) cannot be reached.',
  stack_missing: 'The stack image has not been built.',
  api_unreachable: 'The client cannot reach the control API.',
  conflict: 'The resource changed concurrently; try again.',
  internal_error: 'An unexpected error happened inside the platform.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The one error type of the platform: a stable code, a human message, an optional cause. */
export class PaasError extends Error {
  readonly code: ErrorCode;
  /** Extra machine-readable facts (never secrets), passed through to the JSON body. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PaasError';
    this.code = code;
    this.details = options?.details;
  }
}

export function isPaasError(err: unknown, code?: ErrorCode): err is PaasError {
  return err instanceof PaasError && (code === undefined || err.code === code);
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** The JSON body of every error response. */
export interface ErrorBody {
  id: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}
