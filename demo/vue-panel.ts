/** The Vue panel: `<B2Uploader>` from b2up/vue, with a render function (no SFC compiler needed). */
import { B2Uploader } from 'b2up/vue';
import { createApp, h } from 'vue';

export function mountVuePanel(root: Element, options: { partSize?: number; onComplete: () => void }): void {
  createApp({
    render: () =>
      h(B2Uploader, {
        broker: '/b2up',
        multiple: true,
        partSize: options.partSize,
        onUploadComplete: options.onComplete,
      }),
  }).mount(root);
}
