/**
 * The canonical example: the one shape every input format is converted into, and that every later stage
 * (split, tokenization, stats, lint, pages) reads. Isomorphic: no Node or DOM imports.
 */

export type Role = "system" | "user" | "assistant" | "tool";

export interface Turn {
  role: Role;
  content: string;
  /** The original speaker tag when it differs from the role (e.g. ShareGPT "function_call", "observation"). */
  name?: string;
}

/** The DS-Chat phases: 1 = SFT (step 1), 2 = reward model (step 2), 3 = PPO prompts (step 3). */
export type Phase = 1 | 2 | 3;

/**
 * The strings DS-Chat's raw dataset class would return for this row (`get_prompt`, `get_chosen`, `get_rejected`,
 * `get_prompt_and_chosen`, `get_prompt_and_rejected`). `null` where DS-Chat's method returns None.
 */
export interface DsChatStrings {
  prompt: string | null;
  chosen: string | null;
  rejected: string | null;
  promptAndChosen: string | null;
  promptAndRejected: string | null;
}

export interface CanonicalRow {
  /** Stable id: `<source file name>:<row number>`; row numbers are 1-based (line number for JSON Lines). */
  id: string;
  /** Source file, as given relative to the input root. */
  source: string;
  /** 1-based row (record index for arrays/Parquet/CSV, line number for JSON Lines). */
  row: number;
  /** The source's own split name when it has one ("train", "test", "validation", "eval", …), else null. */
  split: string | null;
  /** The prompt side of the conversation: system/user/assistant/tool turns, ending with the last user turn. */
  conversation: Turn[];
  /** The preferred (or only) response, raw text without any template. */
  chosen: string | null;
  /** The dispreferred response; null for SFT-only data. */
  rejected: string | null;
  /** Exactly what DS-Chat would build from this row under the detected format. */
  dschat: DsChatStrings;
  /** The phases this row can serve: 1 needs prompt+chosen, 2 needs chosen and rejected, 3 needs a prompt. */
  phases: Phase[];
  /**
   * DS-Chat built-ins only: the methods that raise on this row when DS-Chat loads the dataset by name, with the reason
   * (their `dschat` string is null, so through local/jsonfile the phase skips the row instead of stopping).
   */
  raises?: MethodRaises;
}

/** DsChatStrings keys whose method raises, with the reason (e.g. `"negative_passages" is an empty list, … IndexError`). */
export type MethodRaises = Partial<Record<keyof DsChatStrings, string>>;

/** A row the adapter could not map, with the reason a user can act on. */
export interface RejectedRow {
  source: string;
  row: number;
  reason: string;
  /** At most ~200 characters of the raw record, for the rejects file. */
  excerpt: string;
}

/** The three keys of a DS-Chat `local/jsonfile` row (train.json / eval.json). */
export interface LocalJsonRow {
  prompt: string | null;
  chosen: string | null;
  rejected: string | null;
}

/** Whether DS-Chat keeps the row in this phase at all: phase 1 reads prompt+chosen, 2 both pairs, 3 the prompt. */
export function usableInPhase(strings: DsChatStrings, phase: Phase): boolean {
  if (phase === 1) return strings.promptAndChosen !== null;
  if (phase === 2) return strings.promptAndChosen !== null && strings.promptAndRejected !== null;
  return strings.prompt !== null;
}

export function phasesOf(strings: DsChatStrings): Phase[] {
  return ([1, 2, 3] as const).filter((phase) => usableInPhase(strings, phase));
}
