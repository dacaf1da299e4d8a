import type {Writable} from "node:stream";
import type {ConvertProgress} from "../../loaders/engine/convertSummary.js";

const REDRAW_MS = 100;
const BAR_WIDTH = 24;

/**
 * A one-line progress bar (share of bytes, rows/s, MB/s) redrawn in place on a TTY stream; on anything else it stays
 * silent, so logs and pipes get no carriage-return noise. Returns the callback for ConvertEffects.onProgress and a
 * `finish()` that clears the line.
 */
export function createProgressBar(stream: Writable & {isTTY?: boolean; columns?: number}, now: () => number = Date.now) {
  const started = now();
  let lastDraw = 0;
  let drawn = false;
  const update = ({bytesDone, bytesTotal, rowsRead}: ConvertProgress) => {
    if (!stream.isTTY) return;
    const time = now();
    if (time - lastDraw < REDRAW_MS) return;
    lastDraw = time;
    stream.write(`\r${formatProgressLine({bytesDone, bytesTotal, rowsRead}, (time - started) / 1000)}\x1b[K`);
    drawn = true;
  };
  const finish = () => {
    if (drawn) stream.write("\r\x1b[K");
    drawn = false;
  };
  return {update, finish};
}

/** `[#######-----]  42%  120,000 rows  35,000 rows/s  48.2 MB/s` */
export function formatProgressLine({bytesDone, bytesTotal, rowsRead}: ConvertProgress, seconds: number): string {
  const share = bytesTotal > 0 ? Math.min(1, bytesDone / bytesTotal) : 0;
  const filled = Math.round(share * BAR_WIDTH);
  const perSecond = (value: number) => (seconds > 0 ? value / seconds : 0);
  return [
    `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`,
    `${String(Math.floor(share * 100)).padStart(3)}%`,
    `${rowsRead.toLocaleString("en-US")} rows`,
    `${Math.round(perSecond(rowsRead)).toLocaleString("en-US")} rows/s`,
    `${(perSecond(bytesDone) / 1e6).toFixed(1)} MB/s`
  ].join("  ");
}

/** `tokenizing 1200/5000 rows`, redrawn in place on a TTY (stats and lint with a tokenizer); undefined elsewhere. */
export function createCountProgress(stream: Writable & {isTTY?: boolean}, label: string, now: () => number = Date.now) {
  if (!stream.isTTY) return undefined;
  let last = 0;
  return (done: number, total: number) => {
    const time = now();
    if (time - last < 200 && done < total) return;
    last = time;
    stream.write(`\r${label} ${done}/${total} rows${done === total ? "\n" : ""}`);
  };
}
