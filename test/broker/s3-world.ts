/**
 * A world whose broker signs S3: the key has deleteFiles (a confirm that finds the wrong bytes
 * removes them); every test broker knows the emulator's signing region. A presigned URL carries the
 * key's id (SigV4's `X-Amz-Credential` does, for every S3 client): it is public, only the key is
 * secret, so the id is dropped from the secrets responses are checked for.
 */
import { createHash } from 'node:crypto';
import {
  as,
  BROKER_KEY_CAPABILITIES,
  call,
  MIN_PART,
  type Reply,
  sha1,
  startWorld,
  type World,
} from './helpers.js';

export async function startS3World(): Promise<World> {
  const world = await startWorld([...BROKER_KEY_CAPABILITIES, 'deleteFiles']);
  world.secrets.values.delete(world.key.applicationKeyId);
  return world;
}

/** A presigned request as a browser sends it: the URL, the headers the broker listed, the bytes. */
export function sendPresigned(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: Uint8Array<ArrayBuffer> } = {},
): Promise<Response> {
  return fetch(url, { method: init.method ?? 'PUT', headers: init.headers ?? {}, body: init.body ?? null });
}

export const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

export interface PresignedFile {
  uploadId: string;
  token: string;
  fileName: string;
  put: { url: string; headers: Record<string, string>; expiresAt: number };
}

/** POST /files/presign for `data` as `user`: a PNG named photo.png unless `extra` says otherwise. */
export async function presignFile(
  base: string,
  user: string,
  data: Uint8Array,
  extra: Record<string, unknown> = {},
): Promise<PresignedFile> {
  const r = await call(base, '/files/presign', {
    method: 'POST',
    headers: as(user),
    json: {
      name: 'photo.png',
      size: data.byteLength,
      contentType: 'image/png',
      sha1: sha1(data),
      md5: md5(data),
      ...extra,
    },
  });
  if (r.status !== 200) throw new Error(`presign: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as PresignedFile;
}

export const confirmFile = (base: string, user: string, p: { uploadId: string; token: string }) =>
  call(base, `/files/${p.uploadId}/confirm`, {
    method: 'POST',
    headers: { ...as(user), 'X-B2up-Upload-Token': p.token },
  });

export interface S3Session {
  uploadId: string;
  token: string;
  fileName: string;
  partSize: number;
}

/** POST /uploads with `transport: 's3'`: a large file whose parts go by presigned UploadPart. */
export async function startS3Upload(base: string, user: string, size: number): Promise<S3Session> {
  const r = await call(base, '/uploads', {
    method: 'POST',
    headers: as(user),
    json: { name: 'movie.mp4', size, contentType: 'video/mp4', partSize: MIN_PART, transport: 's3' },
  });
  if (r.status !== 200 || r.body.transport !== 's3')
    throw new Error(`start: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as S3Session;
}

export function s3PartUrls(
  base: string,
  user: string,
  session: { uploadId: string; token: string },
  partNumbers: number[],
): Promise<Reply> {
  return call(base, `/uploads/${encodeURIComponent(session.uploadId)}/s3-part-urls`, {
    method: 'POST',
    headers: { ...as(user), 'X-B2up-Upload-Token': session.token },
    json: { partNumbers },
  });
}
