/**
 * Log lines → metric rows, with the regexes SageMaker gets as MetricDefinitions (`logLines.ts`): a line yields a row for
 * every metric regex of the script that matches it, exactly as SageMaker's metric scraper would; the line kind's own
 * pattern only adds keys (epoch, step) and the banners' context. Pure and isomorphic.
 */
import type {LineKeys, LogLineKind, TrainingScript} from "./logLines.js";
import {bannerKinds, logLineKinds} from "./logLines.js";

export interface MetricRow extends LineKeys {
  metric: string;
  value: number;
  /** 1-based index of the line in the input. */
  line: number;
  /** The line kind the metric belongs to. */
  kind: string;
}

export interface ParseOptions {
  /** Only the metrics a job of this script gets (its MetricDefinitions); all kinds when absent. */
  script?: TrainingScript;
  /** Index of the first line (for parsing a stream in chunks); default 1. */
  firstLine?: number;
}

interface CompiledMetric {
  name: string;
  regex: RegExp;
  kind: LogLineKind;
}

const compiledByScript = new Map<TrainingScript | "all", CompiledMetric[]>();

function compiledMetrics(script: TrainingScript | undefined): CompiledMetric[] {
  const key = script ?? "all";
  let compiled = compiledByScript.get(key);
  if (!compiled) {
    compiled = logLineKinds
      .filter((kind) => script === undefined || kind.scripts.includes(script))
      .flatMap((kind) => kind.metrics.map((metric) => ({name: metric.name, regex: new RegExp(metric.regex), kind})));
    compiledByScript.set(key, compiled);
  }
  return compiled;
}

/** Keys carried from earlier lines: the last evaluation banner's epoch, the last PPO line's epoch/step. */
export interface ParseContext {
  keys: LineKeys;
}

export function newParseContext(): ParseContext {
  return {keys: {}};
}

/** A trailing "\r" (CRLF logs, CloudWatch messages) is not part of the line. */
function clean(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/**
 * One line → its rows, updating `context`. Use `parseLogLines` for a whole log; this is the streaming form (a live tail
 * keeps one context per log stream).
 */
export function parseLogLine(rawLine: string, lineNumber: number, context: ParseContext, options: ParseOptions = {}): MetricRow[] {
  const line = clean(rawLine);
  for (const banner of bannerKinds) {
    if (options.script !== undefined && !banner.scripts.includes(options.script)) continue;
    const match = banner.match.exec(line);
    if (match) {
      context.keys = {epoch: Number.parseInt(match[1]!, 10)};
      return [];
    }
  }
  const rows: MetricRow[] = [];
  const keysByKind = new Map<LogLineKind, LineKeys>();
  for (const metric of compiledMetrics(options.script)) {
    const match = metric.regex.exec(line);
    if (!match) continue;
    const value = Number(match[1]);
    if (match[1] === undefined || !Number.isFinite(value)) continue;
    let keys = keysByKind.get(metric.kind);
    if (!keys) {
      keys = keysOf(metric.kind, line, context);
      keysByKind.set(metric.kind, keys);
    }
    rows.push({metric: metric.name, value, line: lineNumber, kind: metric.kind.id, ...keys});
  }
  for (const [kind, keys] of keysByKind) if (kind.setsContext) context.keys = {...keys};
  return rows;
}

function keysOf(kind: LogLineKind, line: string, context: ParseContext): LineKeys {
  const keys: LineKeys = {};
  for (const key of kind.inherits ?? []) if (context.keys[key] !== undefined) keys[key] = context.keys[key];
  const match = kind.match.exec(line);
  if (match && kind.keys) for (const [key, value] of Object.entries(kind.keys(match)) as [keyof LineKeys, number | undefined][]) if (value !== undefined) keys[key] = value;
  return keys;
}

/** A whole log (an array of lines, or its text) → metric rows in line order. */
export function parseLogLines(lines: readonly string[] | string, options: ParseOptions = {}): MetricRow[] {
  const list = typeof lines === "string" ? splitLines(lines) : lines;
  const context = newParseContext();
  const first = options.firstLine ?? 1;
  const rows: MetricRow[] = [];
  list.forEach((line, index) => rows.push(...parseLogLine(line, first + index, context, options)));
  return rows;
}

/** Lines of a text; a final newline does not start an empty last line. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Rows grouped by metric name, in first-appearance order. */
export function rowsByMetric(rows: readonly MetricRow[]): Map<string, MetricRow[]> {
  const grouped = new Map<string, MetricRow[]>();
  for (const row of rows) {
    const list = grouped.get(row.metric);
    if (list) list.push(row);
    else grouped.set(row.metric, [row]);
  }
  return grouped;
}
