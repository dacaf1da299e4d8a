/**
 * A training job's log lines → the rows of its run record, `(step, epoch, iteration, metric, value, time, host)`, with
 * the one table of DS-Chat's log lines (`parseLogLine`, the same regexes as the job's MetricDefinitions). Streaming and
 * resumable: the state of each log stream (its parse context and iteration counter) is plain JSON, stored with the
 * record, so a watcher that stops and starts again continues where it was. Isomorphic.
 *
 * `iteration` is the x axis of every chart: the training micro-step on rank 0, counted across epochs. DS-Chat's own
 * counters restart every epoch (`Epoch: 1, Step: 0`, and DeepSpeed's `epoch=1/micro_step=10`), so the tracker adds the
 * steps of earlier epochs; a line without a counter (an evaluation, a reward-model epoch loss, an fp16 overflow) takes
 * the iteration reached when it was printed (0 before the first counter).
 */
import type {Phase} from "../canonical.js";
import type {LineKeys, TrainingScript} from "./logLines.js";
import {newParseContext, parseLogLine, type ParseContext} from "./parseLogLines.js";

export interface RunMetricRow {
  /** The DS-Chat step the job ran (1, 2 or 3; DPO is step 2). */
  step: Phase;
  epoch: number | null;
  /** Training micro-step on rank 0, across epochs (see above); 0 before the first counter; null only for GetMetricData's series. */
  iteration: number | null;
  metric: string;
  value: number;
  /** When the line was logged, ms since the epoch: CloudWatch's timestamp; for an imported log the last DeepSpeed stamp; null if unknown. */
  time: number | null;
  host: string;
  /** 1-based line of the host's log stream. */
  line: number;
  /** The line kind of the table (`logLines.ts`). */
  kind: string;
}

/** Per log stream: where parsing stands. JSON-serialisable. */
export interface StreamParseState {
  lines: number;
  context: ParseContext;
  /** Iterations of the epochs before `epoch` (DS-Chat's per-epoch counters). */
  epoch: number | null;
  offset: number;
  maxStepInEpoch: number;
  /** Last iteration reached. */
  iteration: number | null;
  /** First and last DeepSpeed logger stamps seen (ms): the run's own measure of its wall time, whatever replays it. */
  firstStamp: number | null;
  lastStamp: number | null;
}

export function newStreamParseState(): StreamParseState {
  return {lines: 0, context: newParseContext(), epoch: null, offset: 0, maxStepInEpoch: -1, iteration: null, firstStamp: null, lastStamp: null};
}

/** The iteration of one parsed line, advancing the stream's tracker. */
function iterationOf(keys: LineKeys, state: StreamParseState): number | null {
  // DS-Chat's `Step` and DeepSpeed's `micro_step` both count micro-batches within the epoch they print.
  const step = keys.step ?? keys.microStep;
  // Before the first counter (an evaluation before training, a start-up overflow) training is at micro-step 0.
  if (keys.epoch === undefined || step === undefined) return state.iteration ?? 0;
  if (state.epoch !== null && keys.epoch > state.epoch) state.offset += state.maxStepInEpoch + 1;
  if (state.epoch === null || keys.epoch !== state.epoch) {
    state.epoch = keys.epoch;
    state.maxStepInEpoch = -1;
  }
  state.maxStepInEpoch = Math.max(state.maxStepInEpoch, step);
  state.iteration = state.offset + step;
  return state.iteration;
}

export interface LogLine {
  message: string;
  /** ms since the epoch, when known. */
  timestamp: number | null;
}

/** Parses the next lines of one host's stream into rows (and advances `state`). */
export function metricRowsOfLines(lines: readonly LogLine[], state: StreamParseState, options: {script: TrainingScript; step: Phase; host: string}): RunMetricRow[] {
  const rows: RunMetricRow[] = [];
  for (const line of lines) {
    state.lines += 1;
    const stamp = deepspeedTimestamp(line.message);
    if (stamp !== null) {
      state.firstStamp ??= stamp;
      state.lastStamp = stamp;
    }
    const parsed = parseLogLine(line.message, state.lines, state.context, {script: options.script});
    // One line's metrics share their keys: compute the iteration once per line.
    let iteration: number | null | undefined;
    for (const row of parsed) {
      if (iteration === undefined) iteration = iterationOf(row, state);
      rows.push({
        step: options.step,
        epoch: row.epoch ?? null,
        iteration,
        metric: row.metric,
        value: row.value,
        time: line.timestamp,
        host: options.host,
        line: row.line,
        kind: row.kind
      });
    }
  }
  return rows;
}

/** DeepSpeed's logger stamp at the start of a line, `[2023-04-18 01:46:59,142]` (local time of the run; read as UTC). */
export function deepspeedTimestamp(message: string): number | null {
  const match = /^\[(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}),(\d{3})\]/.exec(message);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, ms] = match.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms!);
}

/** Whether a host's lines give the metrics: rank 0 runs on algo-1 on SageMaker; a host not named algo-N is an imported log's only one. */
export function isRankZeroHost(host: string): boolean {
  return host === "algo-1" || !/^algo-\d+$/.test(host);
}
