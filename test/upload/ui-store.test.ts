import { afterEach, describe, expect, it, vi } from 'vitest';
import { createUploaderStore } from '../../src/ui/store.js';
import type { Upload, UploadSnapshot } from '../../src/upload/file-upload.js';
import type { Uploader } from '../../src/upload/create-uploader.js';

// The UI store publishes progress once per animation frame, and state changes at once.

function fakeUpload() {
  const listeners = new Set<(snapshot: UploadSnapshot) => void>();
  let snapshot: UploadSnapshot = {
    id: 'u1',
    name: 'f.bin',
    state: 'uploading',
    resumed: false,
    error: undefined,
    result: undefined,
    bytesSent: 0,
    bytesTotal: 1000,
    partsDone: 0,
    partsTotal: 1,
    rate: 0,
    eta: undefined,
  };
  const upload = {
    id: 'u1',
    snapshot: () => snapshot,
    subscribe(listener: (s: UploadSnapshot) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    done: new Promise(() => {}),
    cancel: async () => {},
  } as unknown as Upload;
  const emit = (change: Partial<UploadSnapshot>) => {
    snapshot = { ...snapshot, ...change };
    for (const listener of listeners) listener(snapshot);
  };
  const uploader: Uploader = {
    upload: () => upload,
    pending: async () => [],
    resumable: true,
    prepare() {},
    close() {},
  };
  return { upload, uploader, emit };
}

describe('UI store', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('coalesces progress to one publish per frame; state changes are published at once', () => {
    const frames: (() => void)[] = [];
    vi.stubGlobal('requestAnimationFrame', (callback: () => void) => frames.push(callback));
    const { uploader, emit } = fakeUpload();
    const store = createUploaderStore(uploader);
    store.add([new Blob(['x'])]);
    let published = 0;
    store.subscribe(() => (published += 1));
    published = 0;

    for (let bytes = 10; bytes <= 500; bytes += 10) emit({ bytesSent: bytes });
    expect(published).toBe(0);
    expect(frames).toHaveLength(1);
    frames.shift()!();
    expect(published).toBe(1);
    expect(store.getSnapshot().items[0]!.state.bytesSent).toBe(500);

    emit({ bytesSent: 600 });
    emit({ state: 'paused' });
    expect(published).toBe(2);
    expect(store.getSnapshot().items[0]!.state).toMatchObject({ state: 'paused', bytesSent: 600 });
    frames.shift()?.();
    expect(published).toBe(2);
  });
});
