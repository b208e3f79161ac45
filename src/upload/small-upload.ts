import { backoffDelay } from '../b2/retry.js';
import type { UploadResult } from './broker-client.js';
import { brokerCall, pausable, type RunContext } from './context.js';
import { UploadError } from './errors.js';
import { ProgressTracker } from './progress.js';

/**
 * A file below the broker's `smallFileMaxSize` goes in one request through the broker, which
 * uploads it with its own B2 upload URL (docs/broker-protocol.md, POST /files). The SHA-1 is
 * computed here and checked by B2, so the bytes are verified end to end all the same.
 */
export async function runSmallUpload(context: RunContext): Promise<UploadResult> {
  const { deps, file, settings } = context;
  const sha1 = await pausable(context, (signal) =>
    deps.hasher.sha1(file, { signal }).catch((error) => {
      if (context.cancelled) throw error;
      throw new UploadError('file_unreadable', 'The file could not be read.', { cause: error });
    }),
  );
  const progress = new ProgressTracker(file.size, 1, deps.now);
  context.setProgress(progress);
  context.setState('uploading');
  for (let failures = 0; ;) {
    try {
      const result = await brokerCall(context, (signal) =>
        deps.broker.uploadSmall({
          file,
          name: context.name,
          contentType: context.contentType,
          sha1,
          lastModified: context.lastModified,
          info: context.info,
          signal,
          onProgress: (loaded) => {
            progress.inFlight(1, loaded);
            context.changed();
          },
        }),
      );
      progress.partDone(1, file.size);
      return result;
    } catch (error) {
      progress.dropped(1);
      failures += 1;
      if (
        !(error instanceof UploadError) ||
        error.code !== 'network' ||
        failures >= settings.retry.uploadAttempts
      ) {
        throw error;
      }
      const delay = backoffDelay(failures, settings.retry);
      await pausable(context, (signal) => settings.retry.sleep(delay, signal));
    }
  }
}
