/**
 * The element's look. Every colour, radius and font goes through a CSS custom property, so a host
 * page themes it from outside the shadow root (custom properties inherit through it):
 *
 *   b2up-uploader { --b2up-accent: #0a7; --b2up-radius: 4px; }
 *
 * Names and defaults are listed in docs/ui.md; parts (`::part(dropzone)` etc.) allow more.
 */
export const styles = `
:host {
  --_accent: var(--b2up-accent, #2f5bea);
  --_accent-fg: var(--b2up-accent-text, #fff);
  --_bg: var(--b2up-background, #fff);
  --_fg: var(--b2up-text, #1c2333);
  --_muted: var(--b2up-muted, #5b6478);
  --_border: var(--b2up-border, #d5dae3);
  --_zone-bg: var(--b2up-zone-background, #f6f8fc);
  --_zone-active: var(--b2up-zone-active, #e8eefe);
  --_bar-bg: var(--b2up-bar-background, #e6e9f0);
  --_thumb-bg: var(--b2up-thumb-background, #eef1f7);
  --_success: var(--b2up-success, #178a4c);
  --_error: var(--b2up-error, #c62828);
  --_focus: var(--b2up-focus, #2f5bea);
  --_radius: var(--b2up-radius, 10px);
  display: block;
  font: var(--b2up-font, 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  color: var(--_fg);
  background: var(--_bg);
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.zone {
  display: flex; flex-direction: column; align-items: center; gap: 4px;
  padding: 28px 16px; text-align: center; cursor: pointer;
  border: 2px dashed var(--_border); border-radius: var(--_radius);
  background: var(--_zone-bg); transition: background .15s, border-color .15s;
}
.zone:hover, .zone.over { background: var(--_zone-active); border-color: var(--_accent); }
.zone .icon { font-size: 26px; line-height: 1; color: var(--_accent); }
.zone .title { font-weight: 600; }
.zone .link { color: var(--_accent); text-decoration: underline; }
.zone .hint { color: var(--_muted); font-size: .9em; }
:focus-visible { outline: 3px solid var(--_focus); outline-offset: 2px; }
.actions { display: flex; justify-content: center; margin: 8px 0 0; }
button {
  font: inherit; font-size: .9em; cursor: pointer; color: var(--_fg);
  background: var(--_bg); border: 1px solid var(--_border); border-radius: calc(var(--_radius) * .6);
  padding: 3px 10px; white-space: nowrap;
}
button:hover { border-color: var(--_accent); color: var(--_accent); }
button.primary { background: var(--_accent); border-color: var(--_accent); color: var(--_accent-fg); }
button[hidden] { display: none; }
ul { list-style: none; margin: 0; padding: 0; }
.rows { margin-top: 12px; display: grid; gap: 8px; }
.row, .pending li {
  border: 1px solid var(--_border); border-radius: var(--_radius); padding: 10px 12px;
  display: grid; grid-template-columns: 1fr auto; gap: 4px 12px; align-items: center;
}
.row { grid-template-columns: auto minmax(0, 1fr) auto; }
.row .thumb { grid-row: 1 / span 3; }
.row .bar { grid-column: 2 / -1; }
.thumb {
  width: 40px; height: 40px; border-radius: calc(var(--_radius) * .6); overflow: hidden;
  display: grid; place-items: center; font-size: 10px; font-weight: 700; letter-spacing: .02em;
  background: var(--_thumb-bg); color: var(--_muted);
}
.thumb img { width: 100%; height: 100%; object-fit: cover; display: block; }
.thumb.kind-image, .thumb.kind-video { color: var(--_accent); }
.thumb.kind-archive, .thumb.kind-document { color: var(--_fg); }
.row.compact { padding: 6px 10px; gap: 2px 10px; }
.row.compact .thumb { width: 28px; height: 28px; font-size: 9px; grid-row: 1 / span 2; }
.row.compact .line { grid-column: 2; }
.row.compact .bar { height: 3px; }
.head { display: flex; gap: 8px; align-items: baseline; min-width: 0; }
.size { white-space: nowrap; flex: none; }
.line { display: flex; gap: 8px; align-items: baseline; min-width: 0; }
.line .status { flex: none; max-width: 100%; }
.row[data-state=failed] .line .status { flex: 1 1 auto; }
.stored {
  font: .85em/1.3 ui-monospace, SFMono-Regular, Menlo, monospace; color: var(--_muted);
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; flex: 1 1 auto;
}
.direct { font-size: .85em; color: var(--_success); white-space: nowrap; flex: none; }
.stored[hidden], .check[hidden], .direct[hidden] { display: none; }
.check { color: var(--_success); font-weight: 700; margin-right: -4px; }
.row[data-state=done] { border-color: var(--_success); }
.summary {
  margin-top: 12px; padding: 8px 12px; border-radius: var(--_radius); background: var(--_zone-bg);
  display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center;
}
.summary .overall { flex: 1 1 12em; }
.summary .bar { flex: 1 0 100%; }
.summary[hidden] { display: none; }
.summary .overall { font-weight: 600; font-size: .95em; }
.summary .bytes { color: var(--_muted); font-weight: 400; white-space: nowrap; }
.summary[data-state=done] .fill { background: var(--_success); }
.name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.size, .status { color: var(--_muted); font-size: .9em; }
.buttons { display: flex; gap: 6px; }
.bar { grid-column: 1 / -1; height: 6px; border-radius: 3px; background: var(--_bar-bg); overflow: hidden; }
.fill { height: 100%; width: 0; background: var(--_accent); transition: width .2s; }
.row[data-state=done] .fill { background: var(--_success); }
.row[data-state=done] .status { color: var(--_success); }
.row[data-state=failed] .fill { background: var(--_error); }
.row[data-state=failed] .status { color: var(--_error); }
.row[data-state=paused] .fill { opacity: .5; }
.pending { margin-top: 12px; padding: 10px 12px; border-radius: var(--_radius); background: var(--_zone-bg); }
.pending h3 { margin: 0 0 2px; font-size: 1em; }
.pending p { margin: 0 0 8px; color: var(--_muted); font-size: .9em; }
.pending ul { display: grid; gap: 6px; }
.pending li { background: var(--_bg); }
.pending[hidden] { display: none; }
.sr-only {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
@media (prefers-reduced-motion: reduce) { .fill, .zone { transition: none; } }
`;
