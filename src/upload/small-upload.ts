import {
  type RetryDecision,
  type UploadTarget,
  type UploadTargetSource,
  withUploadRetries,
} from '../b2/target-upload.js';
import { isBrokerError, type UploadResult } from './broker-client.js';
import { createWaits, pausable, type RunContext, runRetryHooks } from './context.js';
import { ProgressTracker } from './progress.js';
import { unreadable } from './to-upload-error.js';

/**
 * A file below the broker's `smallFileMaxSize` goes in one request through the broker, which
 * uploads it with its own B2 upload URL (docs/broker-protocol.md, POST /files). The SHA-1 is
 * computed here and checked by B2, so the bytes are verified end to end all the same.
 */
export async function runSmallUpload(context: RunContext): Promise<UploadResult> {
  const { deps, file, settings } = context;
  const sha1 = await pausable(context, (signal) =>
    deps.hasher.sha1(file, { signal }).catch((error) => {
      if (context.control.signal.aborted) throw error;
      throw unreadable(error);
    }),
  );
  const progress = new ProgressTracker(file.size, 1, deps.now);
  context.report({ type: 'sending', progress });
  context.report({ type: 'phase', phase: 'uploading' });
  const waits = createWaits(context);
  const result = await withUploadRetries(
    THROUGH_BROKER,
    (_target, signal) =>
      deps.broker
        .uploadSmall({
          file,
          name: context.name,
          contentType: context.contentType,
          sha1,
          lastModified: context.lastModified,
          info: context.info,
          signal,
          onProgress: (loaded) => {
            progress.inFlight(1, loaded);
            context.report({ type: 'progress' });
          },
        })
        .catch((error: unknown) => {
          progress.dropped(1);
          throw error;
        }),
    settings.retry,
    undefined,
    { ...runRetryHooks(context, waits), decide: decideSmallUpload },
  );
  waits.back();
  progress.partDone(1, file.size);
  return result;
}

/** The broker keeps its own B2 upload URL for small files: there is no URL here to swap. */
const BROKER: UploadTarget = { uploadUrl: 'broker', authorizationToken: '' };
const THROUGH_BROKER: UploadTargetSource = {
  acquire: async () => BROKER,
  release() {},
  discard() {},
};

/** A broker that is busy or can't be reached is tried again with backoff; any other refusal is final. */
function decideSmallUpload(error: unknown): RetryDecision {
  if (!isBrokerError(error) || (error.code !== 'unavailable' && error.code !== 'rate_limited')) {
    return { retry: false };
  }
  return { retry: true, dropUrl: false, backoff: true, retryAfterSeconds: error.retryAfterSeconds };
}
