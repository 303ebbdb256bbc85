// Posts to session/login like any v1 client, then goes where the visitor was going.
const API = '/callosum/v1/tspublic/v1';
const params = new URLSearchParams(window.location.search);
const errorBox = document.getElementById('error');
const notice = document.getElementById('notice');

// Only paths on this server, never another site. The browser's own URL parser decides
// (it drops tabs and newlines and reads `/\host` as `//host`, which a string test misses).
function safeNext(next) {
  const fallback = '/external/swagger';
  if (!next || !next.startsWith('/')) return fallback;
  let url;
  try {
    url = new URL(next, window.location.origin);
  } catch (_) {
    return fallback;
  }
  if (url.origin !== window.location.origin) return fallback;
  return url.pathname + url.search + url.hash;
}

// The v1 error body's `debug` is a JSON array of messages.
async function errorMessage(response) {
  try {
    const body = await response.json();
    const messages = JSON.parse(body.debug);
    if (Array.isArray(messages) && messages.length) return messages.join(' ');
  } catch (_) { /* not a v1 error body */ }
  return `The server answered ${response.status} ${response.statusText}.`;
}

function show(box, text) {
  errorBox.hidden = true;
  notice.hidden = true;
  box.textContent = text;
  box.hidden = false;
}

document.getElementById('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = document.getElementById('submit');
  button.disabled = true;
  errorBox.hidden = true;
  try {
    const response = await fetch(`${API}/session/login`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-Requested-By': 'ThoughtSpot' },
      body: new URLSearchParams({
        username: document.getElementById('username').value,
        password: document.getElementById('password').value,
        rememberme: String(document.getElementById('rememberme').checked),
      }),
    });
    if (response.status === 204) {
      window.location.assign(safeNext(params.get('next')));
      return;
    }
    show(errorBox, await errorMessage(response));
  } catch (err) {
    show(errorBox, `Could not reach the server: ${err.message}`);
  } finally {
    button.disabled = false;
  }
});

document.getElementById('logout').addEventListener('click', async (event) => {
  event.preventDefault();
  const response = await fetch(`${API}/session/logout`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'X-Requested-By': 'ThoughtSpot' },
  });
  show(notice, response.status === 204 ? 'You are logged out.' : 'You were not logged in.');
});

if (params.has('logged_out')) show(notice, 'You are logged out.');
