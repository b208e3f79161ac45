/**
 * The registry of `b2up` commands. To add one (broker, cors, upload, dev): write `src/cli/<name>.ts`
 * exporting a CliCommand and list it here; help and dispatch pick it up.
 */
import { brokerCommand } from './broker.js';
import type { CliCommand } from './command.js';
import { corsCommand } from './cors.js';
import { devCommand } from './dev.js';
import { emulatorCommand } from './emulator.js';
import { uploadCommand } from './upload.js';

export const commands: readonly CliCommand[] = [
  devCommand,
  emulatorCommand,
  uploadCommand,
  brokerCommand,
  corsCommand,
];
