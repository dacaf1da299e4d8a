/**
 * A filter is one SQL boolean expression over the canonical table's columns, written as the body of a WHERE clause
 * (`prompt_chars < 2000 AND rejected IS NOT NULL`). The Datasets page runs it in DuckDB-wasm and `convert --recipe` in
 * native DuckDB; both check it here first, so both accept and refuse the same text. What is refused, with the reason:
 * more than one statement, comments, parameters, anything that reaches past the one table (subqueries, table
 * functions, other tables, qualified names), names that are not columns, unbalanced parentheses. What remains is an
 * expression the database then types and evaluates (its errors, e.g. a wrong type, are shown as they come).
 * Isomorphic: no Node or DOM imports.
 */
import {didYouMean} from "../contract/suggest.js";
import {UserError} from "../contract/userError.js";
import {CANONICAL_COLUMN_NAMES, FILTER_VIEW} from "./canonicalTable.js";

/** Longest filter accepted: a condition, not a program. */
export const MAX_FILTER_CHARS = 4000;

type TokenKind = "word" | "quoted" | "string" | "number" | "symbol";
interface Token {
  kind: TokenKind;
  text: string;
  /** Identifier text: unquoted words lower-cased, quoted names as written. */
  name: string;
  at: number;
}

/** Keywords that would start a query of their own, read another relation or change the database. */
const REACHES_OUT = new Set([
  "select", "from", "with", "values", "table", "join", "union", "intersect", "except", "pivot", "unpivot", "summarize", "describe", "show",
  "insert", "update", "delete", "create", "drop", "alter", "attach", "detach", "copy", "pragma", "set", "reset", "call", "install", "load",
  "export", "import", "vacuum", "checkpoint", "use", "truncate", "returning", "into", "over", "window", "qualify", "group", "having", "order",
  "limit", "offset", "lateral", "using", "recursive"
]);

/** Words an expression may use that are neither columns nor function names. */
const EXPRESSION_WORDS = new Set([
  "and", "or", "not", "is", "isnull", "notnull", "null", "true", "false", "like", "ilike", "glob", "similar", "to", "escape", "in", "between",
  "case", "when", "then", "else", "end", "as", "distinct", "any", "all", "some", "collate", "interval", "date", "time", "timestamp",
  "year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours", "minute", "minutes", "second", "seconds",
  "millisecond", "milliseconds", "microsecond", "microseconds"
]);

/** Functions that read files, other tables or the environment (table functions among them): never in a filter. */
const FORBIDDEN_FUNCTION = /^(read_|duckdb_|pragma_|parquet_|sniff_|iceberg_|delta_|sqlite_|postgres_|mysql_)|^(query|query_table|glob|getenv|current_setting|getvariable|range|generate_series|unnest)$/;

function refuse(condition: string, at: number, what: string, fix: string): never {
  const shown = condition.length > 60 ? `${condition.slice(Math.max(0, at - 20), at + 40)}` : condition;
  throw new UserError(`${what} (at character ${at + 1} of ${JSON.stringify(shown)})`, {where: {field: "filter"}, fix, code: "bad-filter"});
}

const COLUMNS_HELP = `Columns: ${CANONICAL_COLUMN_NAMES.join(", ")}.`;
const ONE_EXPRESSION = `Write one condition over the columns of the table, e.g. prompt_chars < 2000 AND rejected IS NOT NULL. ${COLUMNS_HELP}`;

function tokenize(condition: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, text: string, name = text) => tokens.push({kind, text, name, at: i});
  while (i < condition.length) {
    const char = condition[i];
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    if (condition.startsWith("--", i) || condition.startsWith("/*", i)) refuse(condition, i, "a filter cannot hold comments", "Remove the comment.");
    if (char === ";") refuse(condition, i, "a filter is one condition, not statements", ONE_EXPRESSION);
    if (char === "?" || char === "$") refuse(condition, i, "a filter cannot hold parameters ($1, ?) or dollar-quoted text", "Write the value itself, as a 'quoted string' or a number.");
    if (char === "'") {
      let end = i + 1;
      for (;;) {
        end = condition.indexOf("'", end);
        if (end === -1) refuse(condition, i, "a 'string' is never closed", "Close it with ' (write '' for a quote inside it).");
        if (condition[end + 1] === "'") end += 2;
        else break;
      }
      push("string", condition.slice(i, end + 1));
      i = end + 1;
      continue;
    }
    if (char === '"') {
      let end = i + 1;
      for (;;) {
        end = condition.indexOf('"', end);
        if (end === -1) refuse(condition, i, 'a "quoted name" is never closed', 'Close it with " .');
        if (condition[end + 1] === '"') end += 2;
        else break;
      }
      const text = condition.slice(i, end + 1);
      // DuckDB matches quoted names case-insensitively too.
      push("quoted", text, text.slice(1, -1).replaceAll('""', '"').toLowerCase());
      i = end + 1;
      continue;
    }
    const number = /^(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?/i.exec(condition.slice(i));
    if (number) {
      push("number", number[0]);
      i += number[0].length;
      continue;
    }
    const word = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(condition.slice(i));
    if (word) {
      push("word", word[0], word[0].toLowerCase());
      i += word[0].length;
      continue;
    }
    const symbol = /^(?:::|->>|->|<>|!=|<=|>=|\|\||!~~\*?|~~\*?|!~|<<|>>|[=<>+\-*/%(),\[\]~!^&|:.{}])/.exec(condition.slice(i));
    if (!symbol) refuse(condition, i, `unexpected character ${JSON.stringify(char)}`, ONE_EXPRESSION);
    push("symbol", symbol[0]);
    i += symbol[0].length;
  }
  return tokens;
}

/**
 * The condition, trimmed, when it is one expression over the canonical table's columns; a UserError (field "filter",
 * code "bad-filter") naming the first problem otherwise. An empty condition is null: no filter.
 */
export function validateFilter(condition: string): string | null {
  const text = condition.trim();
  if (text === "") return null;
  if (text.length > MAX_FILTER_CHARS) refuse(text, MAX_FILTER_CHARS, `a filter is at most ${MAX_FILTER_CHARS} characters`, "Shorten the condition.");
  const tokens = tokenize(text);
  const columns = new Set<string>(CANONICAL_COLUMN_NAMES);
  const lambdaParameters = new Set<string>();
  let depth = 0;
  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k];
    const previous = tokens[k - 1];
    const next = tokens[k + 1];
    if (token.kind === "symbol") {
      if (token.text === "(") depth++;
      if (token.text === ")" && --depth < 0) refuse(text, token.at, "a ')' closes no '('", "Balance the parentheses.");
      continue;
    }
    if (token.kind === "string" || token.kind === "number") continue;
    if (next?.text === ".") {
      refuse(text, token.at, `qualified names (${token.text}.…) are not needed: the filter sees only the columns of ${FILTER_VIEW}`, `Write the column alone. ${COLUMNS_HELP}`);
    }
    // A type after `::` or after `AS` inside CAST/TRY_CAST is a type name, not a column.
    const isType = previous?.text === "::" || (previous?.kind === "word" && previous.name === "as");
    if (isType) {
      if (token.kind === "word" && REACHES_OUT.has(token.name)) refuse(text, token.at, `"${token.text}" is not a type`, ONE_EXPRESSION);
      continue;
    }
    const isCall = next?.text === "(";
    if (token.kind === "word" && isCall) {
      if (FORBIDDEN_FUNCTION.test(token.name)) refuse(text, token.at, `${token.text}() reads outside the table; a filter can only look at the row's columns`, ONE_EXPRESSION);
      if (REACHES_OUT.has(token.name)) refuse(text, token.at, `"${token.text}" starts another query; a filter is one condition on this table`, ONE_EXPRESSION);
      continue;
    }
    if (token.kind === "word" && next?.text === "->" && !columns.has(token.name)) {
      lambdaParameters.add(token.name); // list_filter(xs, x -> x > 1)
      continue;
    }
    if (token.kind === "word") {
      if (token.name === "from" && previous?.name === "distinct") continue; // IS [NOT] DISTINCT FROM
      if (REACHES_OUT.has(token.name)) refuse(text, token.at, `"${token.text}" starts another query or clause; a filter is one condition on this table`, ONE_EXPRESSION);
      if (EXPRESSION_WORDS.has(token.name) || columns.has(token.name) || lambdaParameters.has(token.name)) continue;
    } else if (columns.has(token.name)) continue;
    refuse(text, token.at, `${token.text} is not a column of ${FILTER_VIEW}`, `${didYouMean(token.name, [...columns])}${COLUMNS_HELP}`);
  }
  if (depth !== 0) refuse(text, text.length - 1, "a '(' is never closed", "Balance the parentheses.");
  return text;
}

/** The statement that selects the ids a (validated) filter keeps; the condition is wrapped in its own parentheses. */
export function keptIdsQuery(condition: string | null): string {
  return `SELECT id FROM ${FILTER_VIEW}${condition === null ? "" : ` WHERE (${condition})`}`;
}
