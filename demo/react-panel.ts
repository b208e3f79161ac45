/** The React panel: `<Uploader/>` from b2up/react (written with createElement to need no JSX step). */
import { Uploader } from 'b2up/react';
import { createElement, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

export function mountReactPanel(root: Element, options: { partSize?: number; onComplete: () => void }): void {
  createRoot(root).render(
    createElement(
      StrictMode,
      null,
      createElement(Uploader, {
        broker: '/b2up',
        multiple: true,
        partSize: options.partSize,
        onUploadComplete: options.onComplete,
      }),
    ),
  );
}
