document.getElementById('logout').addEventListener('click', async (event) => {
  event.preventDefault();
  await fetch('/callosum/v1/tspublic/v1/session/logout', {
    method: 'POST', credentials: 'same-origin', headers: { 'X-Requested-By': 'ThoughtSpot' },
  });
  window.location.assign('/login?logged_out=1&next=' + encodeURIComponent('/external/swagger'));
});
