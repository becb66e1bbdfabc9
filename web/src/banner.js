// The error banner: one message per source, so a later success clears only its own; the same
// message from two sources shows once.

import { ApiError } from './api.js';
import { $, h } from './dom.js';

const bannerMessages = new Map();

export function setBanner(source, message) {
  if (message) bannerMessages.set(source, message);
  else bannerMessages.delete(source);
  const list = $('#banner-messages');
  const unique = [...new Set(bannerMessages.values())];
  list.replaceChildren(...unique.map((text) => h('li', { text })));
  $('#banner').hidden = bannerMessages.size === 0;
}

// Closes the banner and forgets its messages (its close button).
export function clearBanner() {
  bannerMessages.clear();
  $('#banner').hidden = true;
}

export function describeError(error) {
  if (error instanceof ApiError) {
    return error.status
      ? `The server answered ${error.status}: ${error.message}`
      : 'The server cannot be reached; the page retries on its own.';
  }
  return `Something went wrong: ${error?.message ?? error}`;
}
