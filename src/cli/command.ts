/**
 * The shape every `b2up <command>` module has, so main stays a dispatcher and commands stay testable
 * in-process: a command reads its own argv, writes through `io`, stops when `signal` aborts, and returns
 * its exit code instead of calling process.exit.
 */
import { hasErrorName } from '../error-name.js';
export interface CliIo {
  /** One line to stdout (no trailing newline needed). */
  out(line: string): void;
  /** One line to stderr. */
  err(line: string): void;
  /** Aborted on SIGINT/SIGTERM; long-running commands stop cleanly and return. */
  signal: AbortSignal;
  /** stderr when it is a terminal: progress is then drawn in place. Default none (plain lines). */
  terminal?: Terminal;
}

/** The part of a TTY stream a progress bar draws on. */
export type Terminal = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface CliCommand {
  name: string;
  /** One line for `b2up --help`. */
  summary: string;
  /** Full help text for `b2up <command> --help`. */
  help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Exit codes: 0 success, 1 failure at run time, 2 bad usage (the shell convention). */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

/** Bad command-line input: printed with the command's usage, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function isUsageError(error: unknown): error is UsageError {
  return hasErrorName(error, 'UsageError');
}

/** Resolves when the signal aborts (at once if it already has). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
