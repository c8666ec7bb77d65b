#!/usr/bin/env node
import { failed, retry } from './dead-letters';
import {
  escapeControl,
  EXIT_FAILED,
  EXIT_OK,
  isParseArgsError,
  PROGRAM,
  reportUsage,
  UsageError,
  type CliIo,
  type Command,
} from './io';
import { runReconcile } from './reconcile';
import { send } from './send';

export { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from './io';
export { EXIT_DEAD_LETTERS } from './dead-letters';

/** Each command's name and the family that runs it, on the arguments after the name. */
const COMMANDS: Record<string, Command> = {
  send,
  failed,
  retry,
  reconcile: runReconcile,
};

/** Runs the CLI on `argv` (without the node and script paths); resolves to the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  const runCommand = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  try {
    if (runCommand) return await runCommand(rest, io);
    if (command === '--help' || command === '-h') {
      io.stdout(mainHelp());
      return EXIT_OK;
    }
    throw new UsageError(command === undefined ? 'no command given' : `unknown command '${command}'`);
  } catch (error) {
    if (error instanceof UsageError) return reportUsage(error, io, error.helpCommand);
    if (isParseArgsError(error)) return reportUsage(error as Error, io, runCommand === send ? undefined : command);
    throw error;
  }
}

function mainHelp(): string {
  return `Usage: ${PROGRAM} <command> [options]

Simulates Tencent Cloud Chat's recall webhooks (Group.CallbackAfterRecallMsg,
C2C.CallbackAfterMsgWithDraw, OfficialAccount.CallbackAfterMsgWithDraw) to test a receiver locally,
reconciles recalls from message history, and looks after queue mode's dead letters.

Commands:
  send <url>    post one recall callback to <url>, the way Tencent would
  failed        list the recall jobs that used up their attempts (queue mode, BullMQ)
  retry [ID…]   move failed recall jobs (all by default) back to waiting
  reconcile     find recalls the receiver missed in Tencent's message history

Options:
  -h, --help    show this help; '${PROGRAM} <command> --help' shows the options of a command

Exit codes: 0 done (send: the answer was HTTP 200 with ActionStatus OK); 1 it failed (send: any other
answer, or none); 2 bad usage; failed: 3 dead letters listed.`;
}

if (require.main === module) {
  void run(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text + '\n'),
    stderr: (text) => process.stderr.write(text + '\n'),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${PROGRAM}: ${escapeControl(error instanceof Error ? error.message : String(error))}\n`);
      process.exitCode = EXIT_FAILED;
    },
  );
}
