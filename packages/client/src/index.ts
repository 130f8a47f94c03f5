export { PaasClient, createClient } from './client.js';
export type { RouterTableRequest, UploadProgress } from './client.js';
export type { ClientOptions, RequestOptions, RawResponse } from './http.js';
