import { COMMANDS, type HandlerOption } from '../protocol/commands';
import { C2C_RECALL_COMMAND, GROUP_RECALL_COMMAND } from '../protocol/types';
import type { ReconciledCommand } from './types';

/**
 * What differs per command reconciliation reads: the option that lists what to read, and the
 * report's count. A command given a reconciled event without an entry here fails to compile.
 */
export const RECONCILED_KINDS = {
  [GROUP_RECALL_COMMAND]: { readFrom: 'groups', found: 'group' },
  [C2C_RECALL_COMMAND]: { readFrom: 'conversations', found: 'c2c' },
} as const satisfies {
  readonly [Command in ReconciledCommand]: { readFrom: 'groups' | 'conversations'; found: string };
};

export const RECONCILED_COMMANDS: readonly ReconciledCommand[] = Object.freeze(
  Object.keys(RECONCILED_KINDS) as ReconciledCommand[],
);

/** The handler options of the commands reconciliation finds. */
export const RECONCILE_HANDLER_OPTIONS: ReadonlyArray<HandlerOption<ReconciledCommand>> = Object.freeze(
  RECONCILED_COMMANDS.map((command) => COMMANDS[command].handlerOption),
);
