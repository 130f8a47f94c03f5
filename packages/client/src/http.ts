import { Agent, request, type Dispatcher } from 'undici';
import { PaasError, isErrorCode, type ErrorBody } from '@paas/core';

export interface ClientOptions {
  /** Base URL of the control API, e.g. `http://127.0.0.1:8070`. */
  apiUrl: string;
  token: string;
  /** Identifies the caller in the API's logs, e.g. `paas-cli/0.1.0`. */
  userAgent?: string;
}

export interface RequestOptions {
  method?: Dispatcher.HttpMethod;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** A raw body stream (uploads); sent as application/octet-stream. */
  stream?: NodeJS.ReadableStream;
  /** A body already serialised as JSON, sent as is. */
  json?: Uint8Array;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Statuses besides 2xx that are returned rather than thrown. */
  accept?: number[];
  /** Milliseconds to wait for response headers. */
  headersTimeoutMs?: number;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/** The transport every client call goes through: auth, JSON, and errors turned back into PaasErrors. */
export class HttpTransport {
  private readonly base: URL;
  private readonly dispatcher: Agent;

  constructor(private readonly options: ClientOptions) {
    this.base = new URL(options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`);
    this.dispatcher = new Agent({ keepAliveTimeout: 10_000, bodyTimeout: 0 });
  }

  url(path: string, query?: RequestOptions['query']): URL {
    const url = new URL(path.replace(/^\//, ''), this.base);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  async raw(path: string, options: RequestOptions = {}): Promise<RawResponse> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.token}`,
      accept: 'application/json',
      'user-agent': this.options.userAgent ?? 'paas-client',
      ...options.headers,
    };
    let body: string | NodeJS.ReadableStream | Uint8Array | undefined;
    if (options.stream) {
      body = options.stream;
      headers['content-type'] ??= 'application/octet-stream';
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    } else if (options.json !== undefined) {
      body = options.json;
      headers['content-type'] = 'application/json';
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await request(this.url(path, options.query), {
        method: options.method ?? 'GET',
        headers,
        body: body as Dispatcher.DispatchOptions['body'],
        signal: options.signal,
        dispatcher: this.dispatcher,
        headersTimeout: options.headersTimeoutMs ?? 60_000,
        bodyTimeout: 0,
      });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw new PaasError(
        'api_unreachable',
        `Cannot reach the paas API at ${this.base.origin} (${(err as Error).message}). Is paasd running? Check PAAS_API_URL or run \`paas login\`.`,
        { cause: err },
      );
    }
    if ((res.statusCode >= 200 && res.statusCode < 300) || options.accept?.includes(res.statusCode)) {
      return { status: res.statusCode, headers: res.headers, body: res.body };
    }
    throw await toError(res);
  }

  async json<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.raw(path, options);
    if (res.status === 204) {
      await res.body.dump();
      return undefined as T;
    }
    return (await res.body.json()) as T;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

async function toError(res: Dispatcher.ResponseData): Promise<PaasError> {
  const text = await res.body.text().catch(() => '');
  let parsed: Partial<ErrorBody> | undefined;
  try {
    parsed = JSON.parse(text) as Partial<ErrorBody>;
  } catch {
    parsed = undefined;
  }
  if (parsed && isErrorCode(parsed.id) && typeof parsed.message === 'string') {
    return new PaasError(parsed.id, parsed.message, { details: { status: res.statusCode, ...(parsed.details ?? {}) } });
  }
  const code = res.statusCode === 401 ? 'unauthorized' : res.statusCode === 404 ? 'not_found' : 'internal_error';
  return new PaasError(code, `The API answered ${res.statusCode}: ${text.slice(0, 200) || 'no body'}`, {
    details: { status: res.statusCode },
  });
}
