#!/usr/bin/env node
/**
 * The `b2up` executable (package.json bin). Only process wiring lives here: argv, stdout/stderr,
 * SIGINT/SIGTERM -> an AbortSignal the running command honours, and the exit code.
 */
import { runCli } from './cli.js';

const stop = new AbortController();
const onSignal = () => {
  // A second Ctrl-C while closing means "now": leave without waiting for the clean stop.
  if (stop.signal.aborted) process.exit(130);
  stop.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  signal: stop.signal,
  ...(process.stderr.isTTY ? { terminal: process.stderr } : {}),
});
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
process.exitCode = code;
