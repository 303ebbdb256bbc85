// The API explorer: Swagger UI over the server's own OpenAPI document. Requests go to the
// same origin, so the browser sends the session cookie; every request carries the header v1
// requires on POST.
window.ui = SwaggerUIBundle({
  url: '/external/swagger/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  displayRequestDuration: true,
  defaultModelsExpandDepth: 0,
  requestInterceptor: (request) => {
    request.headers['X-Requested-By'] = 'ThoughtSpot';
    request.credentials = 'same-origin';
    return request;
  },
});

document.getElementById('logout').addEventListener('click', async (event) => {
  event.preventDefault();
  await fetch('/callosum/v1/tspublic/v1/session/logout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'X-Requested-By': 'ThoughtSpot' },
  });
  window.location.assign('/login?logged_out=1&next=' + encodeURIComponent('/external/swagger'));
});
