/**
 * Every `dschat-studio` command, by name, in the order `--help` lists them; loaded lazily so `--help` and small commands
 * start fast. A new command is one file in this folder (default-exporting `defineCommand({...})`) and one entry here.
 */
export const commands = {
  inspect: () => import("./inspect.js"),
  convert: () => import("./convert.js"),
  split: () => import("./split.js"),
  stats: () => import("./stats.js"),
  lint: () => import("./lint.js"),
  plan: () => import("./plan.js"),
  submit: () => import("./submit.js"),
  chain: () => import("./chain.js"),
  status: () => import("./status.js"),
  list: () => import("./list.js"),
  stop: () => import("./stop.js"),
  emulator: () => import("./emulator.js"),
  watch: () => import("./watch.js"),
  runs: () => import("./runs.js"),
  "import-log": () => import("./import-log.js")
};
