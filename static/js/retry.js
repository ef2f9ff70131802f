// When a failed save is tried again by itself, and after how long.

// Seconds before each automatic retry: soon after a blip, then at most once a
// minute through a long outage, so a crowd of waiting pages does not hammer a
// server that is coming back up.
const BACKOFF_SECONDS = [2, 5, 10, 20, 30, 60];

/** Seconds to wait before retry number `attempt` (0 for the first). */
export function retryDelay(attempt) {
  return BACKOFF_SECONDS[Math.min(attempt, BACKOFF_SECONDS.length - 1)];
}

/** True for a failure that may pass by itself (no answer at all, or the
 * server failing with 5xx); false for an answer the user must act on (401,
 * 409, a 400 naming a field...). Takes an error thrown by api.js. */
export function isTransient(error) {
  return Boolean(error.offline) || (error.status >= 500 && error.status <= 599);
}
