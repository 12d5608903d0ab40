// JSON calls to a running hub for the API suites: one helper, so each test reads as the request it makes.
import type { RunningHub } from '../../../src/main';

/** Where a hub answers: an in-process RunningHub, or a hub process started by spawnHub. */
export type HubAddress = Pick<RunningHub, 'url'>;
import { ADMIN_TOKEN } from './hub';

export interface ErrorBody {
  error: { type: string; code: string; message: string; param: string | null };
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

export interface CallOptions {
  /** A bearer token; 'admin' for the admin token, null for no Authorization header. */
  token?: string | null;
  body?: unknown;
  idempotency_key?: string;
  headers?: Record<string, string>;
}

export async function call<T = Record<string, unknown>>(
  hub: HubAddress,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? 'admin' : options.token;
  if (token !== null) headers.authorization = `Bearer ${token === 'admin' ? ADMIN_TOKEN : token}`;
  if (options.idempotency_key !== undefined) headers['idempotency-key'] = options.idempotency_key;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${hub.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: (text ? JSON.parse(text) : {}) as T,
  };
}

export interface CreatedBiller {
  id: string;
  object: string;
  name: string;
  kind: string;
  tax_id: string | null;
  webhook_url: string | null;
  created: number;
  api_key: string;
  webhook_secret: string;
}

/** Creates a biller as the admin and fails loudly if that does not answer 201. */
export async function createBiller(
  hub: HubAddress,
  body: Record<string, unknown> = { name: 'Bệnh viện Đa khoa Tỉnh', kind: 'hospital' },
): Promise<CreatedBiller> {
  const created = await call<CreatedBiller>(hub, 'POST', '/v1/billers', { body });
  if (created.status !== 201)
    throw new Error(`creating a biller answered ${created.status}: ${created.text}`);
  return created.body;
}

export interface DocumentedOperation {
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
}

/** One operation of the hub's OpenAPI document (/docs/json), or undefined when it is not there. */
export async function documentedOperation(
  hub: HubAddress,
  path: string,
  method: 'get' | 'post',
): Promise<DocumentedOperation | undefined> {
  const document = (await (await fetch(`${hub.url}/docs/json`)).json()) as {
    paths: Record<string, Record<string, DocumentedOperation>>;
  };
  return document.paths[path]?.[method];
}
