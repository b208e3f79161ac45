/**
 * Where the broker and cors commands get a B2 key: flags first, then the environment variables the
 * Backblaze tools use (`B2_APPLICATION_KEY_ID`, `B2_APPLICATION_KEY`), plus `B2_BUCKET` and
 * `B2UP_REALM_URL` (what `b2up emulator` prints). Never printed: only the key id's presence is reported.
 */
import { UsageError } from './command.js';

/** Real B2's authorize base URL, the default realm. */
export const B2_REALM = 'https://api.backblazeb2.com';

export interface B2Credentials {
  applicationKeyId: string;
  applicationKey: string;
  /** Base URL of b2_authorize_account: real B2 unless `--realm` or B2UP_REALM_URL says otherwise. */
  realm: string;
}

/** The flags every command with a B2 key accepts (spread into its parseArgs options). */
export const CREDENTIAL_FLAGS = {
  realm: { type: 'string' },
  'key-id': { type: 'string' },
  key: { type: 'string' },
  bucket: { type: 'string' },
} as const;

export const CREDENTIAL_HELP = `B2 key (flags win over the environment):
  --key-id ID          application key id (default: $B2_APPLICATION_KEY_ID)
  --key KEY            application key (default: $B2_APPLICATION_KEY); prefer the variable,
                       flags show up in \`ps\`
  --bucket NAME        the bucket (default: $B2_BUCKET)
  --realm URL          authorize base URL, e.g. an emulator's http://127.0.0.1:8180
                       (default: $B2UP_REALM_URL, else ${B2_REALM})`;

interface CredentialValues {
  realm?: string;
  'key-id'?: string;
  key?: string;
  bucket?: string;
}

export function readCredentials(values: CredentialValues, env: NodeJS.ProcessEnv): B2Credentials {
  const applicationKeyId = values['key-id'] ?? env.B2_APPLICATION_KEY_ID;
  const applicationKey = values.key ?? env.B2_APPLICATION_KEY;
  if (!applicationKeyId || !applicationKey) {
    throw new UsageError(
      'a B2 key is required: --key-id and --key, or B2_APPLICATION_KEY_ID and B2_APPLICATION_KEY',
    );
  }
  const realm = (values.realm ?? env.B2UP_REALM_URL ?? B2_REALM).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/i.test(realm)) throw new UsageError(`--realm wants an http(s) URL, got ${realm}`);
  return { applicationKeyId, applicationKey, realm };
}

export function readBucket(values: CredentialValues, env: NodeJS.ProcessEnv): string {
  const bucket = values.bucket ?? env.B2_BUCKET;
  if (!bucket) throw new UsageError('--bucket NAME (or B2_BUCKET) is required');
  return bucket;
}
