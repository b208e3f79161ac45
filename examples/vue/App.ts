/**
 * A minimal Vue app on b2up's composables, with render functions (a `.vue` SFC works the same with
 * @vitejs/plugin-vue). For the finished UI instead, render `<B2Uploader broker="/b2up" multiple />`.
 */
import type { Upload } from 'b2up';
import { useUpload, useUploader } from 'b2up/vue';
import { defineComponent, h, type PropType } from 'vue';

const partSize = Number(new URLSearchParams(location.search).get('partSize')) || undefined;

const Row = defineComponent({
  props: { upload: { type: Object as PropType<Upload>, required: true } },
  setup(props) {
    // (Vue composable in setup(): a Vue composable belongs in setup(); React's hook rule doesn't apply.)
    const state = useUpload(props.upload);
    return () =>
      h('li', { 'data-state': state.value.state }, [
        `${state.value.name} `,
        h('progress', { max: state.value.bytesTotal, value: state.value.bytesSent }),
        ` ${state.value.state}`,
        state.value.state === 'uploading'
          ? h('button', { onClick: () => props.upload.pause() }, 'Pause')
          : null,
        state.value.state === 'paused'
          ? h('button', { onClick: () => props.upload.resume() }, 'Resume')
          : null,
        state.value.error ? h('span', { role: 'alert' }, ` ${state.value.error.message}`) : null,
        state.value.result ? h('code', ` ${state.value.result.fileName}`) : null,
      ]);
  },
});

export const App = defineComponent({
  setup() {
    // (Vue composable in setup(): a Vue composable belongs in setup(); React's hook rule doesn't apply.)
    const { state, add } = useUploader({ broker: '/b2up', ...(partSize ? { partSize } : {}) });
    return () =>
      h('main', [
        h('h1', 'Upload to B2'),
        h('label', [
          'Files: ',
          h('input', {
            type: 'file',
            multiple: true,
            onChange: (event: Event) => add((event.target as HTMLInputElement).files ?? []),
          }),
        ]),
        state.value.pending.length > 0
          ? h('p', `${state.value.pending.length} upload(s) can be resumed: pick the same files again.`)
          : null,
        h(
          'ul',
          state.value.items.map((item) => h(Row, { key: item.upload.id, upload: item.upload })),
        ),
      ]);
  },
});
