/**
 * The `<script>` build's entry (dist/iife/b2up.iife.js): everything of `b2up` on `window.B2Up`, plus
 * `<b2up-uploader>` registered, for pages with no build step. Only this bundle registers on load;
 * the ESM entries stay free of side effects.
 */
import { defineUploaderElement } from './element.js';

export * from '../index.js';
export { createUploaderStore, defineUploaderElement, UPLOADER_TAG } from './element.js';

defineUploaderElement();
