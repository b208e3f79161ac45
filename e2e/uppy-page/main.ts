/**
 * An app that uses Uppy as docs/uppy.md says: Dashboard + @uppy/aws-s3 in signRequest mode, signed
 * by the b2up broker named in `?broker=`, logged in as `?user=` (the dev stack's bearer login).
 */
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import { uppySignRequest } from '../../src/index.js';

interface Finished {
  name: string;
  key?: string;
  error?: string;
}

declare global {
  interface Window {
    uppyTest: { ready: boolean; finished: Finished[] };
  }
}

const params = new URL(location.href).searchParams;
const broker = params.get('broker') ?? '/b2up';
const user = params.get('user') ?? 'guest';
const headers = () => ({ Authorization: `Bearer ${user}` });

const { smallFileMaxSize } = (await (await fetch(`${broker}/config`)).json()) as { smallFileMaxSize: number };

const uppy = new Uppy({ autoProceed: false });
uppy.use(Dashboard, { inline: true, target: '#uppy', proudlyDisplayPoweredByUppy: false });
uppy.use(AwsS3, {
  // The broker chooses names; a new file's requested key is its Uppy id, so the broker learns its
  // name, size and type.
  generateObjectKey: (file) => file.id,
  // Below the broker's small-file size: one presigned PUT (B2 has no form POST); above: multipart.
  shouldUseMultipart: (file) => (file.size ?? 0) >= smallFileMaxSize,
  getChunkSize: () => 1_000_000,
  signRequest: uppySignRequest({ broker, getFile: (id) => uppy.getFile(id), headers }),
});

window.uppyTest = { ready: true, finished: [] };
uppy.on('upload-success', (file, response) => {
  window.uppyTest.finished.push({
    name: file?.name ?? '',
    key: (response.body as { key?: string } | undefined)?.key,
  });
});
uppy.on('upload-error', (file, error) => {
  window.uppyTest.finished.push({ name: file?.name ?? '', error: error.message });
});
