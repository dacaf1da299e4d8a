/**
 * The canonical table as SQL sees it, in the browser (DuckDB-wasm, from an Arrow stream) and in the CLI (native DuckDB,
 * `convert --recipe`): one row per converted record, these columns in this order, with these types. A filter's WHERE
 * condition sees exactly these columns, through the read-only view FILTER_VIEW, and nothing else. The values come from
 * `canonicalTableRow`, on both sides, so a condition selects the same rows wherever it runs. The cache's Parquet parts
 * hold the same columns (`row` as BIGINT, `conversation` as JSON there; canonicalArrow.ts casts them back).
 * Isomorphic: no Node or DOM imports.
 */
import type {CanonicalRow} from "../canonical.js";
import {toLocalJsonRow} from "../formats/toLocalJsonRow.js";

/** Column → DuckDB type, in column order; a description for the page and the README. */
export const CANONICAL_TABLE_COLUMNS = {
  id: {type: "VARCHAR", about: "`<source>:<row>`, unique"},
  source: {type: "VARCHAR", about: "the input file's name"},
  row: {type: "INTEGER", about: "line number (JSON Lines) or 1-based record index"},
  split: {type: "VARCHAR", about: "split named by the file (train, test, …) or NULL"},
  eval: {type: "BOOLEAN", about: "whether the row goes to eval.json"},
  conversation: {type: "VARCHAR", about: "JSON text of the prompt turns [{role, content}]"},
  turns: {type: "INTEGER", about: "number of prompt turns"},
  prompt: {type: "VARCHAR", about: "train.json's prompt, with its Human:/Assistant: markers"},
  chosen: {type: "VARCHAR", about: "train.json's chosen (NULL when absent)"},
  rejected: {type: "VARCHAR", about: "train.json's rejected (NULL when absent)"},
  prompt_chars: {type: "INTEGER", about: "length of prompt in UTF-16 code units"},
  chosen_chars: {type: "INTEGER", about: "length of chosen"},
  rejected_chars: {type: "INTEGER", about: "length of rejected"},
  phase1: {type: "BOOLEAN", about: "usable in DS-Chat step 1"},
  phase2: {type: "BOOLEAN", about: "usable in DS-Chat step 2"},
  phase3: {type: "BOOLEAN", about: "usable in DS-Chat step 3"}
} as const;

export type CanonicalColumn = keyof typeof CANONICAL_TABLE_COLUMNS;
export const CANONICAL_COLUMN_NAMES = Object.keys(CANONICAL_TABLE_COLUMNS) as CanonicalColumn[];

/** The table the rows are loaded into, and the read-only view a filter runs on. */
export const CANONICAL_TABLE = "canonical_rows";
export const FILTER_VIEW = "rows";

export interface CanonicalTableRow {
  id: string;
  source: string;
  row: number;
  split: string | null;
  eval: boolean;
  conversation: string;
  turns: number;
  prompt: string | null;
  chosen: string | null;
  rejected: string | null;
  prompt_chars: number | null;
  chosen_chars: number | null;
  rejected_chars: number | null;
  phase1: boolean;
  phase2: boolean;
  phase3: boolean;
}

/** One converted record as a row of the canonical table; `inEval` is the side the seeded draw (or its file) gives it. */
export function canonicalTableRow(row: CanonicalRow, inEval: boolean): CanonicalTableRow {
  const local = toLocalJsonRow(row);
  return {
    id: row.id,
    source: row.source,
    row: row.row,
    split: row.split,
    eval: inEval,
    conversation: JSON.stringify(row.conversation),
    turns: row.conversation.length,
    prompt: local.prompt,
    chosen: local.chosen,
    rejected: local.rejected,
    prompt_chars: local.prompt?.length ?? null,
    chosen_chars: local.chosen?.length ?? null,
    rejected_chars: local.rejected?.length ?? null,
    phase1: row.phases.includes(1),
    phase2: row.phases.includes(2),
    phase3: row.phases.includes(3)
  };
}

/** `CREATE TABLE` and `CREATE VIEW` statements of the canonical table and its filter view (no user text in them). */
export function canonicalTableDdl(): string[] {
  const columns = CANONICAL_COLUMN_NAMES.map((name) => `"${name}" ${CANONICAL_TABLE_COLUMNS[name].type}`).join(", ");
  return [`CREATE TABLE ${CANONICAL_TABLE} (${columns})`, filterViewDdl()];
}

export function filterViewDdl(): string {
  return `CREATE VIEW ${FILTER_VIEW} AS SELECT ${CANONICAL_COLUMN_NAMES.map((name) => `"${name}"`).join(", ")} FROM ${CANONICAL_TABLE}`;
}
