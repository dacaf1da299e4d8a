import {tableFromIPC} from "npm:apache-arrow";

export interface RunsState<Index> {
  index: Index;
  /** Metric rows of every run (columns of data/runs/<job>/metrics.arrow plus `run`). */
  metrics: Array<Record<string, unknown>>;
  live: boolean;
}

/**
 * Follows `watch`. `dschat-studio watch` rewrites src/data/live/runs.json and run-metrics.arrow atomically after each
 * commit, as static files beside the loaders of the same names, and `observable preview` serves a static file in place
 * of its loader. The page polls the index every `interval` ms and, when it changed, fetches the metrics. Only under
 * preview, which serves attachments by name (`…/runs.json?sha=…`): a build names them by content hash and has no live
 * files, so there the recorded state stays. Calls `notify` with the recorded state first; returns the stop function.
 */
export function followLiveRuns<Index>(recorded: RunsState<Index>, notify: (state: RunsState<Index>) => void, {indexUrl, metricsUrl, interval = 2000}: {indexUrl: string; metricsUrl: string; interval?: number}) {
  notify(recorded);
  const index = new URL(indexUrl, document.baseURI);
  const metrics = new URL(metricsUrl, document.baseURI);
  if (!index.searchParams.has("sha")) return () => {};
  index.search = metrics.search = "";
  let last: string | null = null;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    try {
      const response = await fetch(index, {cache: "no-store"});
      const text = response.ok ? await response.text() : null;
      if (text !== null && text !== last) {
        const rows = await fetch(metrics, {cache: "no-store"});
        if (rows.ok) {
          const table = tableFromIPC(new Uint8Array(await rows.arrayBuffer()));
          // The first answer is the state already shown unless watch wrote since the page loaded.
          if (last !== null || text !== JSON.stringify(recorded.index)) notify({index: JSON.parse(text) as Index, metrics: table.toArray().map((row) => row.toJSON() as Record<string, unknown>), live: true});
          last = text;
        }
      }
    } catch {
      // the preview server restarting, or a file being replaced: the next tick tries again
    }
    if (!stopped) timer = setTimeout(tick, interval);
  };
  timer = setTimeout(tick, interval);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
