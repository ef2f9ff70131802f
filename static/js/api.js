// fetch() for our JSON API: the CSRF token from <meta name="csrf-token"> as
// X-CSRFToken, errors thrown with the server's message and status.

/**
 * A function api(method, path, body) -> Promise of the parsed JSON (null for
 * 204) for the logged-in `username`. Throws an Error whose message a person
 * can act on: `.offline` true when no answer came at all (network down, server
 * stopped), else `.status` and `.data` (the server's JSON body, or null).
 */
export function apiClient(username) {
  let csrfToken = document.querySelector('meta[name="csrf-token"]').content;

  // A stale CSRF token (the user logged in again in another tab, say) is
  // renewed once and the request retried, so typed work is not lost.
  async function api(method, path, body, retried = false) {
    const options = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
    if (method !== 'GET') options.headers['X-CSRFToken'] = csrfToken;
    if (body !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch (e) {
      const offline = new Error('The server cannot be reached. Check your connection; nothing was saved.');
      offline.offline = true;
      throw offline;
    }
    if (response.status === 204) return null;
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      if (data && data.code === 'csrf' && !retried) {
        const current = await api('GET', '/api/session');
        if (current.username !== username) {
          throw new Error(`You are now logged in as ${current.username} in another tab, so nothing was saved. `
            + `Log in as ${username} there, then try again.`);
        }
        csrfToken = current.csrf_token;
        return api(method, path, body, true);
      }
      const error = new Error((data && data.error) || `The server answered ${response.status}.`);
      error.status = response.status;
      error.data = data;
      throw error;
    }
    return data;
  }

  return api;
}
