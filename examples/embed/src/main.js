// The embedding example: log in, pick a pinboard, render each of its visualizations from
// pinboarddata. `?pinboard=<name or id>` opens a pinboard directly.

import './style.css';
import {
  ApiError, listPinboards, listVizHeaders, login, logout, pinboardData,
} from './api.js';
import { renderVisualization } from './render.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(window.location.search);

function showLogin(message) {
  $('session').hidden = true;
  $('board').hidden = true;
  $('login').hidden = false;
  $('login-error').hidden = !message;
  $('login-error').textContent = message || '';
}

async function showPinboard(pinboard) {
  $('board').hidden = false;
  $('board-title').textContent = pinboard.name;
  $('board-status').textContent = 'Loading…';
  const vizzes = $('vizzes');
  vizzes.replaceChildren();
  vizzes.dataset.state = 'loading';
  const url = new URL(window.location.href);
  url.searchParams.set('pinboard', pinboard.name);
  window.history.replaceState(null, '', url);

  const [headers, data] = await Promise.all([
    listVizHeaders(pinboard.id),
    pinboardData(pinboard.id),
  ]);
  for (const header of headers) {
    renderVisualization(vizzes, header, data[header.id]);
  }
  $('board-status').textContent =
    `${headers.length} visualizations · live data, ${new Date().toLocaleTimeString()}`;
  vizzes.dataset.state = 'done';
}

async function start() {
  let pinboards;
  try {
    pinboards = await listPinboards();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      showLogin();
      return;
    }
    throw err;
  }
  $('login').hidden = true;
  $('session').hidden = false;
  const select = $('pinboard');
  select.replaceChildren(...pinboards.map((p) => new Option(p.name, p.id)));
  if (!pinboards.length) {
    $('board').hidden = false;
    $('board-title').textContent = 'No pinboards';
    $('board-status').textContent = 'This user cannot see any pinboard.';
    return;
  }
  const wanted = params.get('pinboard');
  const chosen = pinboards.find((p) => p.id === wanted || p.name === wanted) || pinboards[0];
  select.value = chosen.id;
  select.onchange = () => showPinboard(pinboards.find((p) => p.id === select.value));
  await showPinboard(chosen);
}

$('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    await login($('username').value, $('password').value);
    await start();
  } catch (err) {
    showLogin(err.message);
  }
});

$('logout').addEventListener('click', async () => {
  try {
    await logout();
  } finally {
    showLogin('You are logged out.');
  }
});

start().catch((err) => {
  $('board').hidden = false;
  $('board-status').textContent = `Error: ${err.message}`;
});
