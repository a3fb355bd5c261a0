// NoInput: the one error a question raises when it gets no answer.
import { DeployerException } from "../exceptions.ts";

/** Why a question got no answer. */
export type NoInputReason = "non-interactive" | "end-of-input" | "interrupted" | "no-options";

/** A question could not be answered: nobody to ask and no default, end of input, Ctrl-C, or nothing to choose from. */
export class NoInput extends DeployerException {
  override readonly code = "NO_INPUT";
  override name = "NoInput";
  constructor(readonly question: string, readonly reason: NoInputReason) {
    super(`No answer to "${question}": ${REASONS[reason]}`);
  }
}

const REASONS: Record<NoInputReason, string> = {
  "non-interactive": "the session is not interactive and the question has no default",
  "end-of-input": "input ended and the question has no default",
  "interrupted": "interrupted",
  "no-options": "no options given",
};
