import { describe, expect, it } from 'vitest';
import { B2Error } from '../../src/b2/errors.js';
import { toUploadError } from '../../src/upload/to-upload-error.js';

describe('toUploadError, B2 answers to a part sent straight to B2', () => {
  it('reads "Invalid fileId" (the large file was finished or cancelled) as upload_expired', () => {
    const gone = new B2Error({ status: 400, code: 'bad_request', message: 'Invalid fileId: 4_z0b4_f1000' });
    expect(toUploadError(gone)).toMatchObject({ name: 'UploadError', code: 'upload_expired', status: 400 });
  });

  it('keeps any other bad_request (a SHA-1 mismatch) as rejected', () => {
    const mismatch = new B2Error({
      status: 400,
      code: 'bad_request',
      message: 'Sha1 did not match data received',
    });
    expect(toUploadError(mismatch).code).toBe('rejected');
  });
});
