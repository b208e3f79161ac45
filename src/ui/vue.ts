/**
 * `b2up/vue`: Vue 3 bindings over the core store (./store.ts). Vue is an optional peer.
 *
 *   const { state, add } = useUploader({ broker: '/b2up' });   // state.value.items, .pending
 *   h(B2Uploader, { broker: '/b2up', multiple: true, onUploadComplete: (detail) => … })
 */
import {
  defineComponent,
  h,
  onMounted,
  onScopeDispose,
  type PropType,
  ref,
  type ShallowRef,
  shallowRef,
  watch,
} from 'vue';
import type { Upload, UploadSnapshot } from '../upload/file-upload.js';
import type { Uploader } from '../upload/create-uploader.js';
import { defineUploaderElement, type UploadEventDetail, type UploaderElement } from './element.js';
import {
  createUploaderStore,
  type UploaderSource,
  type UploaderStore,
  type UploaderStoreSnapshot,
} from './store.js';

export type { UploadEventDetail } from './element.js';
export type { UploaderSource, UploaderStore, UploaderStoreSnapshot, UploadItem } from './store.js';

export interface UseUploader {
  /** The uploads and the resume list; a new object on every change. */
  state: Readonly<ShallowRef<UploaderStoreSnapshot>>;
  add: UploaderStore['add'];
  retry: UploaderStore['retry'];
  remove: UploaderStore['remove'];
  store: UploaderStore;
}

/** An uploader for the current component (or effect scope); closed when the scope ends. */
export function useUploader(source: UploaderSource): UseUploader {
  const store = createUploaderStore(source);
  const state = shallowRef(store.getSnapshot());
  const unsubscribe = store.subscribe(() => {
    state.value = store.getSnapshot();
  });
  onScopeDispose(() => {
    unsubscribe();
    store.close();
  });
  return { state, add: store.add, retry: store.retry, remove: store.remove, store };
}

/** The latest snapshot of one upload, as a ref. */
export function useUpload(upload: Upload): Readonly<ShallowRef<UploadSnapshot>> {
  const state = shallowRef(upload.snapshot());
  onScopeDispose(upload.subscribe((snapshot) => (state.value = snapshot)));
  return state;
}

/** The `<b2up-uploader>` element as a Vue component (registered on first mount). */
export const B2Uploader = defineComponent({
  name: 'B2Uploader',
  props: {
    /** Broker base URL. Default '/b2up'. Ignored when `uploader` is given. */
    broker: { type: String, default: undefined },
    /** Your own Uploader (custom BrokerClient, auth headers). */
    uploader: { type: Object as PropType<Uploader>, default: undefined },
    /** Parts sent at once. Default 4. */
    concurrency: { type: Number, default: undefined },
    /** Proposed part size in bytes. Default 16 MiB. */
    partSize: { type: Number, default: undefined },
    /** File types the picker offers. Default any. */
    accept: { type: String, default: undefined },
    /** Several files and folders at once. Default false. */
    multiple: { type: Boolean, default: false },
  },
  emits: {
    'upload-start': (_detail: UploadEventDetail) => true,
    'upload-progress': (_detail: UploadEventDetail) => true,
    'upload-complete': (_detail: UploadEventDetail) => true,
    'upload-error': (_detail: UploadEventDetail) => true,
  },
  setup(props, { emit }) {
    const element = ref<UploaderElement>();
    onMounted(() => {
      defineUploaderElement();
      watch(
        () => props.uploader,
        (uploader) => {
          if (uploader) element.value!.uploader = uploader;
        },
        { immediate: true },
      );
    });
    const forward =
      (type: 'upload-start' | 'upload-progress' | 'upload-complete' | 'upload-error') => (event: Event) =>
        emit(type as 'upload-start', (event as CustomEvent<UploadEventDetail>).detail);
    return () =>
      h('b2up-uploader', {
        ref: element,
        broker: props.broker,
        concurrency: props.concurrency,
        'part-size': props.partSize,
        accept: props.accept,
        multiple: props.multiple ? '' : undefined,
        onUploadStart: forward('upload-start'),
        onUploadProgress: forward('upload-progress'),
        onUploadComplete: forward('upload-complete'),
        onUploadError: forward('upload-error'),
      });
  },
});
