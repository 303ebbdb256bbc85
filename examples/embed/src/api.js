// A small client for the ThoughtSpot REST API v1 as Searchlight serves it.
//
// The page is served from the same origin as the API, so the browser keeps the session
// cookie (JSESSIONID) that session/login sets and sends it with every call.

const API = '/callosum/v1/tspublic/v1';

/** An API error: the HTTP status and the messages of the v1 error body. */
export class ApiError extends Error {
  constructor(status, messages) {
    super(messages.join(' ') || `HTTP ${status}`);
    this.status = status;
  }
}

async function call(method, endpoint, params = {}) {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(`${API}/${endpoint}${query ? `?${query}` : ''}`, {
    method,
    credentials: 'same-origin',
    // Every v1 POST must carry X-Requested-By.
    headers: method === 'POST' ? { 'X-Requested-By': 'ThoughtSpot' } : {},
  });
  if (response.ok) {
    return response.status === 204 ? null : response.json();
  }
  let messages = [];
  try {
    // `debug` is a string holding a JSON array of messages.
    messages = JSON.parse((await response.json()).debug);
  } catch (_) {
    messages = [`${response.status} ${response.statusText}`];
  }
  throw new ApiError(response.status, messages);
}

/** session/login: a form post; 204 and the session cookie. */
export async function login(username, password) {
  const response = await fetch(`${API}/session/login`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'X-Requested-By': 'ThoughtSpot' },
    body: new URLSearchParams({ username, password }),
  });
  if (response.status !== 204) {
    let messages = [];
    try {
      messages = JSON.parse((await response.json()).debug);
    } catch (_) {
      messages = [`${response.status} ${response.statusText}`];
    }
    throw new ApiError(response.status, messages);
  }
}

export const logout = () => call('POST', 'session/logout');

/** The pinboards the user may see, by name. */
export const listPinboards = () =>
  call('GET', 'metadata/listobjectheaders', {
    type: 'PINBOARD_ANSWER_BOOK',
    sort: 'NAME',
    batchsize: '-1',
  });

/** The visualizations of a pinboard, with vizType CHART, TABLE or HEADLINE. */
export const listVizHeaders = (pinboardId) =>
  call('GET', 'metadata/listvizheaders', { id: pinboardId });

/** The data of every visualization of a pinboard: an object keyed by viz id. */
export const pinboardData = (pinboardId, batchSize = 1000) =>
  call('POST', 'pinboarddata', {
    id: pinboardId,
    batchsize: String(batchSize),
    formattype: 'COMPACT',
  });
