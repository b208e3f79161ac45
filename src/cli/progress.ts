/**
 * How `b2up upload` shows one file's progress: an in-place bar on a terminal (cli-progress redraws
 * one line), plain lines at each tenth otherwise (logs and CI stay short and readable). Either
 * way a resumed upload first says where it resumes from, and 100 % is shown only once B2 holds
 * the whole file: a request body fully sent is not an upload done.
 */
import type { UploadSnapshot } from '../upload/file-upload.js';
import { formatBytes, formatEta, formatRate, percent } from '../ui/words.js';
import type { CliIo, Terminal } from './command.js';

export interface ProgressView {
  update(snapshot: UploadSnapshot): void;
  /** Leaves the bar (or the last line) as it is, so what follows starts on a fresh line. */
  stop(): void;
}

/** The view for `io`: a bar when it has a terminal, lines otherwise. */
export async function progressView(path: string, io: CliIo): Promise<ProgressView> {
  return io.terminal ? barView(path, io.terminal) : lineView(path, io);
}

/** Announces a resume once, as the upload starts sending. Returns whether this snapshot did. */
function resumeAnnouncer(path: string, say: (line: string) => void) {
  let started = false;
  return (snapshot: UploadSnapshot): boolean => {
    // partsTotal is 0 until the engine has counted the parts B2 already holds.
    if (started || snapshot.state !== 'uploading' || snapshot.partsTotal === 0) return false;
    started = true;
    if (snapshot.resumed) say(`${path}: resuming from ${percent(snapshot)} %`);
    return true;
  };
}

function lineView(path: string, io: CliIo): ProgressView {
  let shown = -1;
  const announce = resumeAnnouncer(path, io.err);
  const started = (snapshot: UploadSnapshot) =>
    snapshot.state === 'done' || (snapshot.state === 'uploading' && snapshot.partsTotal > 0);
  return {
    update(snapshot) {
      // Before sending starts there is nothing to show; a resume starts at its own tenth.
      if (announce(snapshot) && snapshot.resumed) shown = Math.floor(percent(snapshot) / 10);
      if (!started(snapshot)) return;
      const value = percent(snapshot);
      const tenth = Math.floor(value / 10);
      if (tenth <= shown) return;
      shown = tenth;
      io.err(`${path} [${'#'.repeat(tenth).padEnd(10, '-')}] ${tenth * 10} %${details(snapshot)}`);
    },
    stop() {},
  };
}

function details(snapshot: UploadSnapshot): string {
  const parts = [];
  if (snapshot.rate > 0 && snapshot.state === 'uploading') parts.push(formatRate(snapshot.rate));
  if (snapshot.eta !== undefined && snapshot.state === 'uploading') parts.push(formatEta(snapshot.eta));
  return parts.length ? ` · ${parts.join(' · ')}` : '';
}

async function barView(path: string, terminal: Terminal): Promise<ProgressView> {
  // Loaded on use: only a terminal run needs it.
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream: terminal,
      format: `${path} [{bar}] {value} % · {sent} of {size}{details}`,
      hideCursor: true,
      barsize: 24,
      // Redraws are throttled by the library; the last state is always drawn on stop().
      fps: 10,
      forceRedraw: false,
    },
    cliProgress.Presets.legacy,
  );
  let running = false;
  const write = (line: string) => terminal.write(`${line}\n`);
  const announce = resumeAnnouncer(path, write);
  return {
    update(snapshot) {
      announce(snapshot);
      if (
        !running &&
        snapshot.state !== 'done' &&
        (snapshot.state !== 'uploading' || snapshot.partsTotal === 0)
      )
        return;
      const payload = {
        sent: formatBytes(snapshot.bytesSent),
        size: formatBytes(snapshot.bytesTotal),
        details: details(snapshot),
      };
      if (!running) {
        running = true;
        bar.start(100, percent(snapshot), payload);
      } else bar.update(percent(snapshot), payload);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
