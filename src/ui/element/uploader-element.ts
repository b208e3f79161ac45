/**
 * `<b2up-uploader>`: a drop zone and picker, one row per file, and the resume list, over the core
 * store (../store.ts). The class is built by a function, not at module top level, so importing
 * `b2up/element` in Node (SSR, tests) never touches `HTMLElement`.
 */
import { createHttpBrokerClient } from '../../upload/http-broker.js';
import type { Upload } from '../../upload/file-upload.js';
import type { PendingUpload, Uploader } from '../../upload/create-uploader.js';
import { type DroppedFile, filesFromDrop } from './dropped-files.js';
import { createFileHandleStore } from './file-handles.js';
import { createUploaderStore, type UploaderStore } from '../store.js';
import { failureLine } from '../words.js';
import { button, el } from './dom.js';
import { createPendingList } from './pending.js';
import { createRow, type RowView } from './row.js';
import { styles } from './styles.js';
import { createSummary } from './summary.js';
import type { UploadEventDetail } from './types.js';

type ShowOpenFilePicker = (options: { multiple: boolean }) => Promise<FileSystemFileHandle[]>;

const positiveInt = (text: string | null): number | undefined => {
  const n = text === null ? Number.NaN : Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
};

export function createUploaderElementClass() {
  return class B2UpUploader extends HTMLElement {
    static observedAttributes = ['broker', 'concurrency', 'part-size', 'accept', 'multiple'];

    #uploader: Uploader | undefined;
    #store: UploaderStore | undefined;
    #unsubscribe: (() => void) | undefined;
    #rows = new Map<string, RowView>();
    #handles = createFileHandleStore();
    #root = this.attachShadow({ mode: 'open', delegatesFocus: false });
    #zone = el(
      'div',
      { class: 'zone', part: 'dropzone', role: 'button', tabindex: '0', 'aria-describedby': 'b2up-hint' },
      el('span', { class: 'icon', 'aria-hidden': 'true' }, '⇪'),
      el('span', { class: 'title' }, 'Drop files here or ', el('span', { class: 'link' }, 'choose files')),
      el('span', { class: 'hint', id: 'b2up-hint' }, 'Uploads start at once and can be paused.'),
    );
    #input = el('input', { type: 'file', hidden: '', tabindex: '-1' });
    #folderInput = el('input', { type: 'file', hidden: '', tabindex: '-1', webkitdirectory: '' });
    #repickInput = el('input', { type: 'file', hidden: '', tabindex: '-1' });
    #folderButton = button('Choose a folder', () => {
      this.#prepare();
      this.#folderInput.click();
    });
    #summary = createSummary();
    #list = el('ul', { class: 'rows', part: 'list', 'aria-label': 'Uploads' });
    #live = el('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
    #pending = createPendingList({
      // Re-picked files find their upload by fingerprint, so the entry itself needn't be kept.
      pick: () => {
        this.#prepare();
        this.#repickInput.click();
      },
      reopen: (entry) => void this.#reopen(entry),
      hasHandle: async (entry) => (await this.#handles.find(entry)) !== undefined,
    });

    constructor() {
      super();
      const style = el('style', {}, styles);
      this.#root.append(
        style,
        this.#zone,
        el('div', { class: 'actions' }, this.#folderButton),
        this.#input,
        this.#folderInput,
        this.#repickInput,
        this.#pending.node,
        this.#summary.node,
        this.#list,
        this.#live,
      );
      this.#zone.addEventListener('click', () => void this.#openPicker());
      this.#zone.addEventListener('keydown', (event) => {
        if (event.key !== 'Enter' && event.key !== ' ') return;
        event.preventDefault();
        void this.#openPicker();
      });
      // Once as files come over the zone (dragover repeats every few milliseconds).
      this.#zone.addEventListener('dragenter', () => this.#prepare());
      this.#zone.addEventListener('dragover', (event) => {
        event.preventDefault();
        this.#zone.classList.add('over');
      });
      this.#zone.addEventListener('dragleave', () => this.#zone.classList.remove('over'));
      this.#zone.addEventListener('drop', (event) => {
        event.preventDefault();
        this.#zone.classList.remove('over');
        if (event.dataTransfer)
          void filesFromDrop(event.dataTransfer).then((files) => this.#addDropped(files));
      });
      for (const input of [this.#input, this.#folderInput, this.#repickInput]) {
        input.addEventListener('change', () => {
          const files = [...(input.files ?? [])];
          input.value = '';
          this.#add(files);
        });
      }
      this.#syncAttributes();
    }

    /** The Uploader behind the element; set your own for a custom BrokerClient or auth headers. */
    get uploader(): Uploader {
      return this.store.uploader;
    }
    set uploader(uploader: Uploader | undefined) {
      this.#uploader = uploader;
      this.#replaceStore();
    }

    /** The core store (uploads + resume list) the element renders; frameworks may subscribe too. */
    get store(): UploaderStore {
      this.#store ??= createUploaderStore(this.#uploader ?? this.#uploaderFromAttributes());
      return this.#store;
    }

    /** Uploads files as if the user had picked them. */
    addFiles(files: Iterable<File>): Upload[] {
      return this.#add([...files]);
    }

    connectedCallback() {
      this.#unsubscribe ??= this.store.subscribe(() => this.#render());
      this.#render();
    }

    disconnectedCallback() {
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
    }

    attributeChangedCallback(name: string, old: string | null, value: string | null) {
      if (old === value) return;
      this.#syncAttributes();
      if (name === 'broker' || name === 'concurrency' || name === 'part-size') {
        if (!this.#uploader) this.#replaceStore();
      }
    }

    #syncAttributes() {
      const multiple = this.hasAttribute('multiple');
      this.#input.multiple = multiple;
      this.#input.accept = this.getAttribute('accept') ?? '';
      this.#repickInput.accept = this.#input.accept;
      this.#folderButton.hidden = !multiple;
    }

    #uploaderFromAttributes() {
      const concurrency = positiveInt(this.getAttribute('concurrency'));
      const partSize = positiveInt(this.getAttribute('part-size'));
      return {
        broker: createHttpBrokerClient(this.getAttribute('broker') ?? '/b2up'),
        ...(concurrency ? { concurrency } : {}),
        ...(partSize ? { partSize } : {}),
      };
    }

    #replaceStore() {
      const wasSubscribed = this.#unsubscribe !== undefined;
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
      this.#store?.close();
      this.#store = undefined;
      for (const row of this.#rows.values()) {
        row.node.remove();
        row.dispose();
      }
      this.#rows.clear();
      if (wasSubscribed || this.isConnected) this.connectedCallback();
    }

    /**
     * The user is choosing files: the hash worker starts and broker answers come while the picker
     * is open (seconds, against the round trips they cost a far link after the pick). Older custom
     * Uploaders may lack it.
     */
    #prepare() {
      const { uploader } = this.store;
      if (typeof uploader.prepare === 'function') uploader.prepare();
    }

    async #openPicker() {
      this.#prepare();
      const show = (window as unknown as { showOpenFilePicker?: ShowOpenFilePicker }).showOpenFilePicker;
      if (!this.hasAttribute('file-handles') || !show) {
        this.#input.click();
        return;
      }
      // With handles, the resume list can re-open these files after a reload.
      let handles: FileSystemFileHandle[];
      try {
        handles = await show({ multiple: this.hasAttribute('multiple') });
      } catch {
        return; // the user closed the picker
      }
      this.#addDropped(
        await Promise.all(handles.map(async (handle) => ({ file: await handle.getFile(), handle }))),
      );
    }

    #addDropped(dropped: DroppedFile[]) {
      const files = this.hasAttribute('multiple') ? dropped : dropped.slice(0, 1);
      for (const { file, handle } of files) if (handle) void this.#handles.remember(file, handle);
      this.#add(files.map((entry) => entry.file));
    }

    async #reopen(entry: PendingUpload) {
      const handle = await this.#handles.find(entry);
      const file = handle && (await this.#handles.open(handle));
      if (file) this.#add([file]);
      else this.#announce(`Could not re-open ${entry.name}. Choose it again instead.`);
    }

    #add(files: File[]): Upload[] {
      if (files.length === 0) return [];
      const uploads = this.store.add(files);
      for (const upload of uploads) this.#watch(upload);
      return uploads;
    }

    #watch(upload: Upload) {
      const detail = (): UploadEventDetail => ({ upload, snapshot: upload.snapshot() });
      this.#emit('upload-start', detail());
      this.#announce(`Uploading ${upload.snapshot().name}`);
      const stop = upload.subscribe((snapshot) => this.#emit('upload-progress', { upload, snapshot }));
      upload.done.then(
        (result) => {
          stop();
          const file = upload.file as File;
          void this.#handles.forget(file);
          this.#emit('upload-complete', { ...detail(), result });
          this.#announce(`${upload.snapshot().name} uploaded`);
        },
        (error) => {
          stop();
          this.#emit('upload-error', { ...detail(), error });
          const { name, state } = upload.snapshot();
          this.#announce(
            state === 'cancelled' ? `${name} cancelled` : `${name} failed: ${failureLine(error)}`,
          );
        },
      );
    }

    #emit(type: string, detail: UploadEventDetail) {
      this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
    }

    #announce(text: string) {
      this.#live.textContent = text;
    }

    #render() {
      const { items, pending } = this.store.getSnapshot();
      const live = new Set(items.map((item) => item.upload.id));
      for (const [id, row] of this.#rows) {
        if (!live.has(id)) {
          row.node.remove();
          row.dispose();
          this.#rows.delete(id);
        }
      }
      for (const item of items) {
        const row = this.#rows.get(item.upload.id);
        if (row) {
          row.update(item);
          continue;
        }
        const created = createRow(item, {
          retry: (id) => {
            const upload = this.store.retry(id);
            if (upload) this.#watch(upload);
          },
          remove: (id) => this.store.remove(id),
        });
        this.#rows.set(item.upload.id, created);
      }
      // Keep DOM order equal to the store's order (a retried row takes its old place).
      // Only when it differs: moving a node takes focus away from its buttons.
      const nodes = items.map((item) => this.#rows.get(item.upload.id)!.node);
      if (nodes.some((node, index) => this.#list.children[index] !== node)) this.#list.append(...nodes);
      this.#pending.update(pending);
      this.#summary.update(items);
    }
  };
}
