/* global localStorage, fetch, window */
// The page's calls to the public REST API, with the operator's key from this browser.

export const KEY_STORAGE = 'netorch.apiKey';

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = authHeaders({ Accept: 'application/json' });
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The service is not reachable; retrying');
  }
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page: report the status instead.
    data = null;
  }
  if (!res.ok) throw new ApiError(res.status, (data && data.detail) || `HTTP ${res.status}`);
  return data;
}

export function authHeaders(extra = {}) {
  const key = localStorage.getItem(KEY_STORAGE);
  return key ? { ...extra, 'X-API-Key': key } : extra;
}

export const sleep = (ms) => new Promise((resolve) => window.setTimeout(resolve, ms));
