/**
 * What the UI says to people: sizes, rates, time left, states and errors in plain words. Error
 * sentences come from the closed set of UploadError codes, never from message text.
 */
import { formatBytes } from '../units.js';
import type { UploadErrorCode } from '../upload/errors.js';
import type { UploadSnapshot } from '../upload/file-upload.js';

export { formatBytes };

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Seconds left -> "12 s left", "3 min left", "2 h left". */
export function formatEta(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s left`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min left`;
  return `${Math.round(seconds / 3600)} h left`;
}

/** "5 min ago", for the resume list. */
export function formatAge(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 24 ? `${hours} h ago` : `${Math.round(hours / 24)} d ago`;
}

/** Whole percent, 100 only once every byte is confirmed; 0 for a file refused outright (nothing kept). */
export function percent(state: Pick<UploadSnapshot, 'bytesSent' | 'bytesTotal' | 'state' | 'error'>): number {
  if (state.state === 'done') return 100;
  if (state.state === 'failed' && !canRetry(state)) return 0;
  if (state.bytesTotal === 0) return 0;
  return Math.min(99, Math.floor((state.bytesSent / state.bytesTotal) * 100));
}

const ERROR_SENTENCES: Record<UploadErrorCode, string> = {
  aborted: 'Cancelled.',
  file_changed: 'The file changed since this upload began, so it was not finished. Retry to start over.',
  file_unreadable: 'The browser could not read this file. It may have been moved, deleted or locked.',
  hashing_failed: 'This page could not compute the file’s checksum. Reload the page and retry.',
  too_large: 'This file is larger than this site accepts.',
  type_not_allowed: 'This type of file is not accepted here.',
  unauthenticated: 'You are not signed in, or your session ended. Sign in again, then retry.',
  forbidden: 'This upload is not allowed for your account.',
  upload_expired: 'This upload expired on the server. Retry to send the file again.',
  size_mismatch: 'The server received a different amount of data than the file holds. Retry to start over.',
  content_mismatch:
    'The storage received different data than the file holds, so it was discarded. Retry to start over.',
  rejected: 'The storage service refused this file.',
  network: 'The connection kept failing. Check your network, then retry.',
};

/** Refusals a retry can't change: the site's limits, the account's rights, a request B2 refuses. */
const FINAL_CODES: ReadonlySet<string> = new Set<UploadErrorCode>([
  'too_large',
  'type_not_allowed',
  'forbidden',
  'rejected',
]);

/** Whether a Retry button can help: a cancelled upload, or a failure that isn't a final refusal. */
export function canRetry(state: Pick<UploadSnapshot, 'state' | 'error'>): boolean {
  if (state.state === 'cancelled') return true;
  return state.state === 'failed' && !FINAL_CODES.has(state.error?.code ?? '');
}

/** Codes whose broker message names the limit ("Files may be at most 50 MB."): shown after the sentence. */
const LIMIT_CODES: ReadonlySet<string> = new Set<UploadErrorCode>(['too_large', 'type_not_allowed']);

/** The sentence for a failure, with the broker's limit when it sent one. */
export function failureLine(error: { code: string; message: string } | undefined): string {
  const sentence = errorSentence(error?.code);
  if (!error || !LIMIT_CODES.has(error.code) || !error.message) return sentence;
  return `${sentence} ${error.message}`;
}

/** A sentence for an UploadError code; unknown codes (a newer SDK) get a generic one. */
export function errorSentence(code: string | undefined): string {
  return ERROR_SENTENCES[code as UploadErrorCode] ?? 'The upload failed. Retry, or try again later.';
}

const STATE_WORDS: Record<UploadSnapshot['state'], string> = {
  preparing: 'Preparing…',
  waiting: 'Waiting…',
  uploading: 'Uploading',
  paused: 'Paused',
  offline: 'Offline — continues when the connection is back',
  reconnecting: 'Reconnecting to the server…',
  finishing: 'Finishing…',
  done: 'Uploaded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** The status line of a row: "42 % · 3.1 MB/s · 12 s left", "Paused", an error sentence… */
export function statusLine(state: UploadSnapshot): string {
  if (state.state === 'failed') return failureLine(state.error);
  if (state.state !== 'uploading') {
    const words = STATE_WORDS[state.state];
    return state.state === 'done' ? `${words}${state.resumed ? ' (resumed)' : ''}` : words;
  }
  const parts = [`${percent(state)} %`];
  if (state.rate > 0) parts.push(formatRate(state.rate));
  if (state.eta !== undefined) parts.push(formatEta(state.eta));
  return parts.join(' · ');
}

/**
 * A done small file that went by presigned URL straight to B2, with the broker's check of what B2
 * stored: the sentence behind the row's "direct to B2" mark. Empty for other routes.
 */
export function directNote(result: { verifiedBy?: 'sha1' | 'md5' } | undefined): string {
  if (!result?.verifiedBy) return '';
  const hash = result.verifiedBy === 'sha1' ? 'SHA-1' : 'MD5';
  return `Sent straight to B2 by presigned URL, not through the server; the ${hash} B2 stored was checked.`;
}
