import type { FastifyError, FastifyInstance } from 'fastify';
import { PaasError, isPaasError, type ErrorBody, type ErrorCode, type Logger } from '@paas/core';

/** The one place error codes become HTTP statuses. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_params: 422,
  invalid_app_name: 422,
  invalid_procfile: 422,
  confirmation_required: 422,
  config_too_large: 422,
  no_release: 422,
  source_invalid: 422,
  no_buildpack: 422,
  slug_compile_failed: 422,
  build_timeout: 422,
  dyno_boot_timeout: 422,
  release_failed: 422,
  release_expired: 422,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  user_not_found: 404,
  not_found: 404,
  app_not_found: 404,
  build_not_found: 404,
  release_not_found: 404,
  source_not_found: 404,
  dyno_not_found: 404,
  app_name_taken: 409,
  domain_taken: 409,
  domain_not_found: 404,
  certificate_invalid: 422,
  certificate_not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  source_too_large: 413,
  slug_too_large: 413,
  runtime_unavailable: 503,
  stack_missing: 503,
  api_unreachable: 503,
  internal_error: 500,
};

/** Turns every thrown error into `{ id, message }` with the right status; never a stack trace. */
export function installErrorHandler(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    const paas = toPaasError(err);
    const status = STATUS_BY_CODE[paas.code];
    if (status >= 500) logger.error({ err, url: request.url, method: request.method }, 'request failed');
    const body: ErrorBody = { id: paas.code, message: paas.message };
    if (paas.details) body.details = { ...paas.details };
    void reply.status(status).type('application/json').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ id: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}.` } satisfies ErrorBody);
  });
}

function toPaasError(err: FastifyError | Error): PaasError {
  if (isPaasError(err)) return err;
  const fe = err as FastifyError;
  if (fe.validation) {
    return new PaasError('invalid_params', `Invalid request: ${fe.message}`);
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new PaasError('payload_too_large', 'The request body is too large.');
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new PaasError('invalid_params', `Unsupported content type: ${fe.message}`);
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (fe.statusCode === 400 && fe instanceof SyntaxError)) {
    return new PaasError('invalid_params', 'The request body is not valid JSON.');
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new PaasError('invalid_params', fe.message);
  }
  return new PaasError('internal_error', 'Internal error; the platform log has the details.', { cause: err });
}
