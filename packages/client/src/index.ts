export { PaasClient, createClient } from './client.js';
export type { Collaborator, LogsRequest, RouterTableRequest, UploadProgress } from './client.js';
export type { ClientOptions, RequestOptions, RawResponse } from './http.js';
export type { DynoAttachment } from './attach.js';
