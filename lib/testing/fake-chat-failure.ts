/** A command's answer fields besides ActionStatus/ErrorCode/ErrorInfo. */
export type AnswerFields = Record<string, unknown>;

/** A FAIL answer: thrown by a command, turned into `{ ActionStatus: 'FAIL', ErrorCode, ErrorInfo }`. */
export class FakeChatFailure extends Error {
  constructor(
    readonly code: number,
    readonly info: string,
  ) {
    super(info);
  }
}
