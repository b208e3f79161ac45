/**
 * The demo: the same uploader three ways, each importing `b2up/*` as an app would. The broker is
 * mounted on this page's origin at /b2up by `b2up dev`, in front of the local emulator.
 */
import { createHttpBrokerClient, createUploader } from 'b2up';
import { defineUploaderElement, type UploadEventDetail, type UploaderElement } from 'b2up/element';
import { mountReactPanel } from './react-panel.js';
import { mountVuePanel } from './vue-panel.js';

defineUploaderElement();

// `?partSize=1000000` proposes smaller parts, to watch a few-MB file go up in several parts
// (run `b2up dev --min-part-size 1000000` so the emulator accepts them).
const partSize = Number(new URLSearchParams(location.search).get('partSize')) || undefined;

// An app with its own login passes its header through a BrokerClient; `b2up dev` reads
// `Bearer <name>` as the user name (anything else uploads as "guest").
const element = document.querySelector<UploaderElement>('#element-uploader')!;
element.uploader = createUploader({
  broker: createHttpBrokerClient('/b2up', { headers: () => ({ Authorization: 'Bearer demo' }) }),
  ...(partSize ? { partSize } : {}),
});

mountReactPanel(document.querySelector('#react-root')!, { partSize, onComplete: () => void refreshBucket() });
mountVuePanel(document.querySelector('#vue-root')!, {
  partSize,
  onComplete: () => void refreshBucket(),
});

const events = document.querySelector('#events')!;
for (const type of ['upload-start', 'upload-complete', 'upload-error'] as const) {
  document.addEventListener(type, (event) => {
    const { snapshot } = (event as CustomEvent<UploadEventDetail>).detail;
    events.textContent = `${type}: ${snapshot.name}`;
    if (type === 'upload-complete') void refreshBucket();
  });
}

async function refreshBucket(): Promise<void> {
  const response = await fetch('./dev/files').catch(() => undefined);
  if (!response?.ok) return;
  const { files } = (await response.json()) as {
    files: { fileName: string; size: number; contentSha1: string | null }[];
  };
  const body = document.querySelector('#bucket-files')!;
  body.replaceChildren(
    ...files.map((file) => {
      const row = document.createElement('tr');
      for (const [text, cls] of [
        [file.fileName, ''],
        [file.size.toLocaleString(), ''],
        [file.contentSha1 === 'none' ? 'checked per part (large file)' : (file.contentSha1 ?? ''), 'sha1'],
      ] as const) {
        const cell = document.createElement('td');
        cell.textContent = text;
        if (cls) cell.className = cls;
        row.append(cell);
      }
      return row;
    }),
  );
}

void refreshBucket();
