/**
 * A minimal React app on b2up's hooks: your own markup, b2up's state. For the finished UI instead,
 * render `<Uploader broker="/b2up" multiple />` from 'b2up/react'.
 */
import type { Upload } from 'b2up';
import { useUpload, useUploader } from 'b2up/react';

const partSize = Number(new URLSearchParams(location.search).get('partSize')) || undefined;

export function App() {
  const { items, pending, add } = useUploader({ broker: '/b2up', ...(partSize ? { partSize } : {}) });
  return (
    <main>
      <h1>Upload to B2</h1>
      <label>
        Files: <input type="file" multiple onChange={(event) => add(event.currentTarget.files ?? [])} />
      </label>
      {pending.length > 0 && <p>{pending.length} upload(s) can be resumed: pick the same files again.</p>}
      <ul>
        {items.map((item) => (
          <Row key={item.upload.id} upload={item.upload} />
        ))}
      </ul>
    </main>
  );
}

function Row({ upload }: { upload: Upload }) {
  const state = useUpload(upload);
  return (
    <li data-state={state.state}>
      {state.name} <progress max={state.bytesTotal} value={state.bytesSent} /> {state.state}
      {state.state === 'uploading' && (
        <button type="button" onClick={() => upload.pause()}>
          Pause
        </button>
      )}
      {state.state === 'paused' && (
        <button type="button" onClick={() => upload.resume()}>
          Resume
        </button>
      )}
      {state.error && <span role="alert"> {state.error.message}</span>}
      {state.result && <code> {state.result.fileName}</code>}
    </li>
  );
}
