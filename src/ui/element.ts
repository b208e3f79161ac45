/**
 * `b2up/element`: the `<b2up-uploader>` custom element.
 *
 *   import { defineUploaderElement } from 'b2up/element';
 *   defineUploaderElement();            // registers <b2up-uploader>; safe to call twice
 *
 *   <b2up-uploader broker="/b2up" multiple></b2up-uploader>
 *
 * Importing this module registers nothing (the package is `sideEffects: false`); call
 * `defineUploaderElement()` once in the browser. Attributes, events, CSS custom properties and
 * parts are listed in docs/ui.md.
 */
import type { Upload } from '../upload/file-upload.js';
import type { Uploader } from '../upload/create-uploader.js';
import type { UploadEventDetail } from './element/types.js';
import { createUploaderElementClass } from './element/uploader-element.js';
import type { UploaderStore } from './store.js';

export type { UploadEventDetail } from './element/types.js';
export {
  createUploaderStore,
  type UploaderSource,
  type UploaderStore,
  type UploaderStoreSnapshot,
  type UploadItem,
} from './store.js';

/** The element's own API beyond HTMLElement. */
export interface UploaderElement extends HTMLElement {
  /** The Uploader behind the element. Set your own for a custom BrokerClient or auth headers. */
  uploader: Uploader;
  /** The core store the element renders (uploads + the resume list). */
  readonly store: UploaderStore;
  /** Uploads files as if the user had picked them. */
  addFiles(files: Iterable<File>): Upload[];
}

export interface UploaderElementEventMap extends HTMLElementEventMap {
  'upload-start': CustomEvent<UploadEventDetail>;
  'upload-progress': CustomEvent<UploadEventDetail>;
  'upload-complete': CustomEvent<UploadEventDetail>;
  'upload-error': CustomEvent<UploadEventDetail>;
}

/** The default tag name. */
export const UPLOADER_TAG = 'b2up-uploader';

/**
 * Registers the element under `tagName` (default `b2up-uploader`) and returns its class. Does nothing
 * but return the registered class when the name is taken already, so several bundles can call it.
 */
export function defineUploaderElement(tagName: string = UPLOADER_TAG): CustomElementConstructor {
  const existing = customElements.get(tagName);
  if (existing) return existing;
  const element = createUploaderElementClass();
  customElements.define(tagName, element);
  return element;
}

declare global {
  interface HTMLElementTagNameMap {
    'b2up-uploader': UploaderElement;
  }
}
