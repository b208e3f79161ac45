/**
 * `b2up/react`: React bindings over the core store (./store.ts). React is an optional peer.
 *
 *   const { items, pending, add } = useUploader({ broker: '/b2up' });
 *   <input type="file" multiple onChange={(e) => add(e.target.files!)} />
 *   {items.map((item) => <Row key={item.upload.id} upload={item.upload} />)}
 *   function Row({ upload }) { const s = useUpload(upload); return <progress value={s.bytesSent} max={s.bytesTotal} />; }
 *
 * Or the finished UI: `<Uploader broker="/b2up" multiple onUploadComplete={...} />`.
 */
import {
  type CSSProperties,
  createElement,
  type ReactElement,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import type { Upload, UploadSnapshot } from '../upload/file-upload.js';
import type { Uploader as SdkUploader } from '../upload/create-uploader.js';
import { defineUploaderElement, type UploadEventDetail, type UploaderElement } from './element.js';
import {
  createUploaderStore,
  type UploaderSource,
  type UploaderStore,
  type UploaderStoreSnapshot,
} from './store.js';

export type { UploadEventDetail } from './element.js';
export type { UploaderSource, UploaderStore, UploaderStoreSnapshot, UploadItem } from './store.js';

export interface UseUploader extends UploaderStoreSnapshot {
  /** Starts one upload per file (a FileList works). */
  add: UploaderStore['add'];
  retry: UploaderStore['retry'];
  remove: UploaderStore['remove'];
  store: UploaderStore;
}

/**
 * An uploader for this component's life: the list of uploads and the resume list, re-rendering on
 * every change. `source` is read once (an Uploader of your own, or createUploader options).
 */
export function useUploader(source: UploaderSource): UseUploader {
  const [store] = useState(() => createUploaderStore(source));
  // close() only stops hash workers that started, so StrictMode's mount-unmount-mount is harmless.
  useEffect(() => () => store.close(), [store]);
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  return { ...snapshot, add: store.add, retry: store.retry, remove: store.remove, store };
}

const noUpload = () => () => undefined;

/** The latest snapshot of one upload (progress, state, error), re-rendering on each change. */
export function useUpload(upload: Upload): UploadSnapshot;
export function useUpload(upload: Upload | undefined): UploadSnapshot | undefined;
export function useUpload(upload: Upload | undefined): UploadSnapshot | undefined {
  return useSyncExternalStore(
    upload ? (listener) => upload.subscribe(listener) : noUpload,
    () => upload?.snapshot(),
    () => upload?.snapshot(),
  );
}

export interface UploaderProps {
  /** Broker base URL. Default '/b2up'. Ignored when `uploader` is given. */
  broker?: string;
  /** Your own Uploader (custom BrokerClient, auth headers). Default: one made from the other props. */
  uploader?: SdkUploader;
  /** Parts sent at once. Default 4. */
  concurrency?: number;
  /** Proposed part size in bytes. Default 16 MiB. */
  partSize?: number;
  /** File types the picker offers, as the input's `accept`. Default any. */
  accept?: string;
  /** Several files and folders at once. Default false. */
  multiple?: boolean;
  className?: string;
  style?: CSSProperties;
  onUploadStart?: (detail: UploadEventDetail) => void;
  onUploadProgress?: (detail: UploadEventDetail) => void;
  onUploadComplete?: (detail: UploadEventDetail) => void;
  onUploadError?: (detail: UploadEventDetail) => void;
}

const EVENTS = {
  'upload-start': 'onUploadStart',
  'upload-progress': 'onUploadProgress',
  'upload-complete': 'onUploadComplete',
  'upload-error': 'onUploadError',
} as const;

/** The `<b2up-uploader>` element as a React component (registered on first mount). */
export function Uploader(props: UploaderProps): ReactElement {
  const ref = useRef<UploaderElement>(null);
  const latest = useRef(props);
  latest.current = props;
  useEffect(() => {
    defineUploaderElement();
    const element = ref.current!;
    const off = Object.entries(EVENTS).map(([type, prop]) => {
      const listener = (event: Event) =>
        latest.current[prop]?.((event as CustomEvent<UploadEventDetail>).detail);
      element.addEventListener(type, listener);
      return () => element.removeEventListener(type, listener);
    });
    return () => {
      for (const remove of off) remove();
    };
  }, []);
  useEffect(() => {
    if (props.uploader) ref.current!.uploader = props.uploader;
  }, [props.uploader]);
  return createElement('b2up-uploader', {
    ref,
    broker: props.broker,
    concurrency: props.concurrency === undefined ? undefined : String(props.concurrency),
    'part-size': props.partSize === undefined ? undefined : String(props.partSize),
    accept: props.accept,
    multiple: props.multiple ? '' : undefined,
    class: props.className,
    style: props.style,
  });
}
