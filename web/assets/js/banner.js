// The error banner: one place shows what went wrong and offers Retry when it can help.
// Errors are told apart by the server's `errors.reason` codes, never by their sentences.

import { $ } from "./ui.js";

let retryAction = null;

export function showError(message, retry = null) {
  $("error-text").textContent = message;
  retryAction = retry;
  $("error-retry").hidden = !retry;
  $("error-banner").hidden = false;
}

export function hideError() {
  $("error-banner").hidden = true;
  retryAction = null;
}

export function retryLastFailure() {
  const action = retryAction;
  hideError();
  if (action) action();
}

/** The sentence to show for a failed request. */
export function readableError(error) {
  const reason = error.errors && error.errors.reason;
  if (reason === "rate_limited" || (error.status === 429 && !reason)) {
    const wait = error.retryAfter ? ` Try again in ${Math.ceil(error.retryAfter)} s.` : " Try again shortly.";
    return `You are sending messages too quickly.${wait}`;
  }
  if (error.status === 413) return error.message || "That is larger than the allowed limit.";
  return error.message; // e.g. `quota`: the server's sentence says which budget and when it resets
}

/** Whether the server kept the user's message (so Retry asks for the reply again). */
export function kept(error) {
  return Boolean(error.errors && error.errors.user_message_id);
}
