import { isPaasError, type ErrorCode } from '@paas/core';

/** The one place errors become exit codes. Documented in `paas --help`. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  unreachable: 5,
} as const;

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  invalid_params: EXIT.usage,
  invalid_app_name: EXIT.usage,
  confirmation_required: EXIT.usage,
  config_too_large: EXIT.usage,
  app_name_taken: EXIT.usage,
  domain_taken: EXIT.usage,
  certificate_invalid: EXIT.usage,
  domain_not_found: EXIT.notFound,
  certificate_not_found: EXIT.notFound,
  unauthorized: EXIT.auth,
  forbidden: EXIT.auth,
  rate_limited: EXIT.auth,
  user_not_found: EXIT.notFound,
  not_found: EXIT.notFound,
  app_not_found: EXIT.notFound,
  build_not_found: EXIT.notFound,
  release_not_found: EXIT.notFound,
  dyno_not_found: EXIT.notFound,
  source_not_found: EXIT.notFound,
  api_unreachable: EXIT.unreachable,
};

export function exitCodeFor(err: unknown): number {
  return isPaasError(err) ? (BY_CODE[err.code] ?? EXIT.failure) : EXIT.failure;
}

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  the operation failed (build, release, platform error)
  2  invalid input or usage
  3  not logged in or not allowed
  4  no such app, release or build
  5  the control API cannot be reached`;
