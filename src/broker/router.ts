/** The protocol's routes, matched after the base path (docs/broker-protocol.md#calls). */
import type { BrokerContext } from './context.js';
import { badRequest, Refusal } from './errors.js';
import { config, whoami } from './routes/config.js';
import { confirmSmallFile, confirmSmallFiles, presignSmallFile } from './routes/s3-files.js';
import { smallFileTarget, uploadSmallFile } from './routes/small-files.js';
import { startUpload } from './routes/start.js';
import { completeForUppy, createForUppy, signForUppy } from './routes/uppy.js';
import { cancel, finish, listParts, partUrls, s3PartUrls } from './routes/uploads.js';

type Handler = (context: BrokerContext, request: Request, uploadId: string) => Response | Promise<Response>;

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: RegExp;
  handler: Handler;
}

const ROUTES: readonly Route[] = [
  { method: 'GET', path: /^\/config$/, handler: config },
  { method: 'GET', path: /^\/whoami$/, handler: whoami },
  { method: 'POST', path: /^\/files$/, handler: uploadSmallFile },
  { method: 'POST', path: /^\/files\/target$/, handler: smallFileTarget },
  { method: 'POST', path: /^\/files\/presign$/, handler: presignSmallFile },
  { method: 'POST', path: /^\/files\/confirm$/, handler: confirmSmallFiles },
  { method: 'POST', path: /^\/files\/([^/]+)\/confirm$/, handler: confirmSmallFile },
  { method: 'POST', path: /^\/uploads$/, handler: startUpload },
  { method: 'POST', path: /^\/uploads\/([^/]+)\/part-urls$/, handler: partUrls },
  { method: 'POST', path: /^\/uploads\/([^/]+)\/s3-part-urls$/, handler: s3PartUrls },
  { method: 'GET', path: /^\/uploads\/([^/]+)\/parts$/, handler: listParts },
  { method: 'POST', path: /^\/uploads\/([^/]+)\/finish$/, handler: finish },
  { method: 'DELETE', path: /^\/uploads\/([^/]+)$/, handler: cancel },
  { method: 'POST', path: /^\/uppy\/sign$/, handler: signForUppy },
  { method: 'POST', path: /^\/uppy\/multipart$/, handler: createForUppy },
  { method: 'POST', path: /^\/uppy\/complete$/, handler: completeForUppy },
];

/** A route's handler bound to its path parameter, or the refusal for a path or method not served. */
export function route(
  method: string,
  path: string,
): (context: BrokerContext, request: Request) => Promise<Response> {
  const matches = ROUTES.filter((r) => r.path.test(path));
  if (matches.length === 0) throw new Refusal(404, 'not_found', 'No such broker call.');
  const match = matches.find((r) => r.method === method);
  if (!match) throw new Refusal(405, 'bad_request', `Use ${matches.map((r) => r.method).join(' or ')} here.`);
  const raw = match.path.exec(path)?.[1];
  let uploadId = '';
  if (raw !== undefined) {
    try {
      uploadId = decodeURIComponent(raw);
    } catch {
      throw badRequest('the upload id in the path is not percent-encoded UTF-8');
    }
  }
  return async (context, request) => match.handler(context, request, uploadId);
}

/** The path after the base path, or undefined when the request is not for the broker. */
export function routePath(pathname: string, basePath: string): string | undefined {
  if (basePath === '') return pathname;
  if (pathname === basePath) return '/';
  return pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : undefined;
}
