// The API client: requests to `till serve` (docs/api.md), with the bearer token if one is given.

const API = '/api/v1/';
const TOKEN_KEY = 'till.token';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

function readToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

let tokenFallback = null; // the token when sessionStorage refuses it

// The bearer token the page sends, or null.
export function currentToken() {
  return tokenFallback ?? readToken();
}

// A `#token=…` in the address goes to sessionStorage and out of the address bar (and history).
export function takeTokenFromHash() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const token = hash.get('token');
  if (token === null) return;
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage refused (a privacy mode): the token lives for this page only.
    tokenFallback = token;
  }
  hash.delete('token');
  const rest = hash.toString();
  history.replaceState(
    history.state,
    '',
    location.pathname + location.search + (rest ? `#${rest}` : ''),
  );
}

export function apiUrl(path, params) {
  const query = params ? params.toString() : '';
  return API + path + (query ? `?${query}` : '');
}

// Fetches an API URL as JSON (or a Blob). Failures become ApiErrors carrying the server's
// message; an abort is passed on as the AbortError it is.
export async function apiFetch(url, { signal, as = 'json' } = {}) {
  const token = currentToken();
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  let response;
  try {
    response = await fetch(url, { headers, signal });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, 'cannot reach the server');
  }
  if (!response.ok) {
    let message = response.statusText || 'request failed';
    try {
      const body = await response.json();
      if (body?.error?.message) message = body.error.message;
    } catch (error) {
      if (error.name === 'AbortError') throw error;
    }
    throw new ApiError(response.status, message);
  }
  return as === 'blob' ? response.blob() : response.json();
}
