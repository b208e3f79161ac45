import {
  type RetryDecision,
  type UploadTarget,
  type UploadTargetSource,
  withUploadRetries,
} from '../b2/target-upload.js';
import { isBrokerError, type UploadResult } from './broker-client.js';
import { brokerCall, createWaits, pausable, type RunContext, runRetryHooks } from './context.js';
import { ProgressTracker } from './progress.js';
import { unreadable } from './to-upload-error.js';

/**
 * A file below the broker's `smallFileMaxSize` goes in one request. Where the broker signs S3
 * (`smallFiles: 's3'` in its config) it goes straight to B2 by a presigned PUT bound to its MD5,
 * and the broker then confirms B2 stored this SHA-1 (docs/s3.md); otherwise it goes through the
 * broker, which uploads it with its own B2 upload URL and B2 checks the SHA-1 (POST /files).
 * Either way the hashes are computed here, from one read of the file.
 */
export async function runSmallUpload(context: RunContext): Promise<UploadResult> {
  const { deps, file, settings } = context;
  const config = await brokerCall(context, (signal) => deps.brokerConfig(signal));
  const { sha1AndMd5 } = deps.hasher;
  const direct = config.smallFiles === 's3' && sha1AndMd5 !== undefined;
  const { sha1, md5 } = await pausable(context, (signal) =>
    (direct
      ? sha1AndMd5.call(deps.hasher, file, { signal })
      : deps.hasher.sha1(file, { signal }).then((sha1): { sha1: string; md5?: string } => ({ sha1 }))
    ).catch((error: unknown) => {
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
          ...(md5 === undefined ? {} : { md5 }),
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

/**
 * The broker keeps its own B2 upload URL for small files, and a presigned PUT gets a fresh URL
 * from the broker on each attempt: there is no URL here to swap.
 */
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
