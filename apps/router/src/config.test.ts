import { describe, expect, it } from 'vitest';
import { isPaasError } from '@paas/core';
import { loadRouterConfig, optionEnvName } from './config.js';

const noFiles = () => undefined;

describe('loadRouterConfig', () => {
  it('uses the defaults and the admin token file', () => {
    const config = loadRouterConfig({}, (path) => (path === '/var/lib/paas/admin-token' ? 'tok\n' : undefined));
    expect(config).toMatchObject({
      port: 80,
      host: '0.0.0.0',
      apiUrl: 'http://127.0.0.1:8070',
      apiToken: 'tok',
      dataDir: '/var/lib/paas',
      tablePath: '/var/lib/paas/router/table.json',
    });
    expect(config.options).toMatchObject({ requestTimeoutMs: 30_000, connectTimeoutMs: 5_000, idleTimeoutMs: 55_000, backendPenaltyMs: 5_000 });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.options)).toBe(true);
  });

  it('reads every setting and timeout override', () => {
    const config = loadRouterConfig(
      {
        PAAS_ROUTER_PORT: '8080',
        PAAS_ROUTER_HOST: '127.0.0.1',
        PAAS_API_URL: 'https://api.example.com',
        PAAS_API_TOKEN: 'secret',
        PAAS_DATA_DIR: '/data',
        PAAS_ROUTER_REQUEST_TIMEOUT_MS: '1000',
        PAAS_ROUTER_IDLE_TIMEOUT_MS: '2000',
        PAAS_ROUTER_BACKEND_PENALTY_MS: '0',
      },
      noFiles,
    );
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', apiUrl: 'https://api.example.com', apiToken: 'secret', tablePath: '/data/router/table.json' });
    expect(config.options).toMatchObject({ requestTimeoutMs: 1000, idleTimeoutMs: 2000, backendPenaltyMs: 0 });
  });

  it('reads TLS, admin, workers and reporting settings', () => {
    const defaults = loadRouterConfig({ PAAS_API_TOKEN: 't' }, noFiles, 4);
    expect(defaults).toMatchObject({
      tlsPort: undefined,
      adminPort: undefined,
      workers: 1,
      reportIntervalMs: 1000,
      reportMaxLines: 10_000,
      accessLogStdout: false,
      logLevel: 'info',
    });
    const set = loadRouterConfig(
      {
        PAAS_API_TOKEN: 't',
        PAAS_ROUTER_TLS_PORT: '443',
        PAAS_ROUTER_ADMIN_PORT: '9100',
        PAAS_ROUTER_WORKERS: 'auto',
        PAAS_ROUTER_REPORT_INTERVAL_MS: '250',
        PAAS_ROUTER_REPORT_MAX_LINES: '500',
        PAAS_ROUTER_ACCESS_LOG_STDOUT: '1',
        PAAS_LOG_LEVEL: 'warn',
      },
      noFiles,
      4,
    );
    expect(set).toMatchObject({ tlsPort: 443, adminPort: 9100, workers: 4, reportIntervalMs: 250, reportMaxLines: 500, accessLogStdout: true, logLevel: 'warn' });
    expect(loadRouterConfig({ PAAS_API_TOKEN: 't', PAAS_ROUTER_WORKERS: '2' }, noFiles, 4).workers).toBe(2);
  });

  it('names the variable of every option', () => {
    expect(optionEnvName('requestTimeoutMs')).toBe('PAAS_ROUTER_REQUEST_TIMEOUT_MS');
    expect(optionEnvName('keepAliveTimeoutMs')).toBe('PAAS_ROUTER_KEEP_ALIVE_TIMEOUT_MS');
  });

  it.each([
    [{ PAAS_ROUTER_PORT: '70000' }, 'PAAS_ROUTER_PORT'],
    [{ PAAS_ROUTER_PORT: 'eighty' }, 'PAAS_ROUTER_PORT'],
    [{ PAAS_ROUTER_CONNECT_TIMEOUT_MS: '0' }, 'PAAS_ROUTER_CONNECT_TIMEOUT_MS'],
    [{ PAAS_ROUTER_IDLE_TIMEOUT_MS: '1.5' }, 'PAAS_ROUTER_IDLE_TIMEOUT_MS'],
    [{ PAAS_API_URL: 'ftp://x' }, 'PAAS_API_URL'],
    [{ PAAS_API_URL: 'not a url' }, 'PAAS_API_URL'],
    [{ PAAS_ROUTER_TLS_PORT: 'https' }, 'PAAS_ROUTER_TLS_PORT'],
    [{ PAAS_ROUTER_WORKERS: '0' }, 'PAAS_ROUTER_WORKERS'],
    [{ PAAS_ROUTER_ACCESS_LOG_STDOUT: 'maybe' }, 'PAAS_ROUTER_ACCESS_LOG_STDOUT'],
    [{ PAAS_LOG_LEVEL: 'loud' }, 'PAAS_LOG_LEVEL'],
  ])('refuses %j with a message naming %s', (env, name) => {
    try {
      loadRouterConfig({ PAAS_API_TOKEN: 't', ...env }, noFiles);
      expect.unreachable();
    } catch (err) {
      expect(isPaasError(err, 'invalid_params')).toBe(true);
      expect((err as Error).message).toContain(name);
    }
  });

  it('refuses to start without a token', () => {
    expect(() => loadRouterConfig({ PAAS_DATA_DIR: '/nowhere' }, noFiles)).toThrow(/PAAS_API_TOKEN or create \/nowhere\/admin-token/);
  });
});
