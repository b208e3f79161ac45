/**
 * `b2up` argument dispatch, without process side effects (main.ts wires those), so tests call it directly.
 */
import type { CliCommand, CliIo } from './command.js';
import { ExitCode, isUsageError } from './command.js';
import { commands as defaultCommands } from './commands.js';

export function usage(commands: readonly CliCommand[] = defaultCommands): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: b2up <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `b2up <command> --help` for the options of one command.',
  ].join('\n');
}

/** Runs `b2up` with `argv` (the arguments after the program name); resolves to the exit code. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  commands: readonly CliCommand[] = defaultCommands,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(usage(commands));
    return ExitCode.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    io.out(topic ? topic.help : usage(commands));
    return ExitCode.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`b2up: unknown command ${JSON.stringify(name)}\n`);
    io.err(usage(commands));
    return ExitCode.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help);
    return ExitCode.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (isUsageError(error)) {
      io.err(`b2up ${command.name}: ${error.message}\n`);
      io.err(command.help);
      return ExitCode.usage;
    }
    io.err(`b2up ${command.name}: ${error instanceof Error ? error.message : String(error)}`);
    return ExitCode.failure;
  }
}
