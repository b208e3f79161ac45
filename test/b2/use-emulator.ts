import { afterAll, beforeAll } from 'vitest';
import { type B2Client, type B2ClientOptions, createB2Client } from '../../src/b2/index.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';

/**
 * The emulator and a master-key client on it for the enclosing describe block: started before its
 * first test (handed to `assign`), closed after its last. Parts may be as small as `minPartSize`.
 */
export function useEmulatorClient(
  assign: (opened: { emulator: Emulator; b2: B2Client }) => void,
  options: { minPartSize?: number; client?: Partial<B2ClientOptions> } = {},
): void {
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ minPartSize: options.minPartSize ?? 1024 });
    const b2 = createB2Client({
      applicationKeyId: emulator.keyId,
      applicationKey: emulator.key,
      realm: emulator.url,
      ...options.client,
    });
    assign({ emulator, b2 });
  });
  afterAll(async () => {
    await emulator?.close();
  });
}
