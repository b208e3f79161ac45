/**
 * Async iterators over B2's paged list calls. Each page's "next" cursor becomes the next request's
 * start field; iteration ends when B2 returns a null cursor.
 */
import type {
  ApplicationKey,
  FileVersion,
  ListFileNamesRequest,
  ListFileNamesResponse,
  ListFileVersionsRequest,
  ListFileVersionsResponse,
  ListKeysResponse,
  ListPartsRequest,
  ListPartsResponse,
  ListUnfinishedLargeFilesRequest,
  ListUnfinishedLargeFilesResponse,
  Part,
} from './wire.js';

/** Walks pages: `next` builds the following request from a page, or returns null at the end. */
export async function* paginate<Request, Page, Item>(
  first: Request,
  fetchPage: (request: Request) => Promise<Page>,
  items: (page: Page) => Item[],
  next: (page: Page, request: Request) => Request | null,
): AsyncGenerator<Item, void, undefined> {
  for (let request: Request | null = first; request !== null;) {
    const page: Page = await fetchPage(request);
    yield* items(page);
    request = next(page, request);
  }
}

export function fileNamePages(
  first: ListFileNamesRequest,
  fetchPage: (request: ListFileNamesRequest) => Promise<ListFileNamesResponse>,
): AsyncGenerator<FileVersion, void, undefined> {
  return paginate(
    first,
    fetchPage,
    (page) => page.files,
    (page, request) => (page.nextFileName === null ? null : { ...request, startFileName: page.nextFileName }),
  );
}

export function fileVersionPages(
  first: ListFileVersionsRequest,
  fetchPage: (request: ListFileVersionsRequest) => Promise<ListFileVersionsResponse>,
): AsyncGenerator<FileVersion, void, undefined> {
  return paginate(
    first,
    fetchPage,
    (page) => page.files,
    (page, request) => {
      if (page.nextFileName === null) return null;
      const { startFileId: _previous, ...rest } = request;
      return page.nextFileId === null
        ? { ...rest, startFileName: page.nextFileName }
        : { ...rest, startFileName: page.nextFileName, startFileId: page.nextFileId };
    },
  );
}

export function unfinishedLargeFilePages(
  first: ListUnfinishedLargeFilesRequest,
  fetchPage: (request: ListUnfinishedLargeFilesRequest) => Promise<ListUnfinishedLargeFilesResponse>,
): AsyncGenerator<FileVersion, void, undefined> {
  return paginate(
    first,
    fetchPage,
    (page) => page.files,
    (page, request) => (page.nextFileId === null ? null : { ...request, startFileId: page.nextFileId }),
  );
}

export function partPages(
  first: ListPartsRequest,
  fetchPage: (request: ListPartsRequest) => Promise<ListPartsResponse>,
): AsyncGenerator<Part, void, undefined> {
  return paginate(
    first,
    fetchPage,
    (page) => page.parts,
    (page, request) =>
      page.nextPartNumber === null ? null : { ...request, startPartNumber: page.nextPartNumber },
  );
}

export function keyPages<Request extends { startApplicationKeyId?: string }>(
  first: Request,
  fetchPage: (request: Request) => Promise<ListKeysResponse>,
): AsyncGenerator<ApplicationKey, void, undefined> {
  return paginate(
    first,
    fetchPage,
    (page) => page.keys,
    (page, request) =>
      page.nextApplicationKeyId === null
        ? null
        : { ...request, startApplicationKeyId: page.nextApplicationKeyId },
  );
}
