/**
 * Test hook, documented in the README: `DSCHAT_STUDIO_TEST_KILL_AT=<point>` makes the process kill itself with SIGKILL
 * when it reaches that point (e.g. `out:old-moved-aside`, between the two renames of an output swap), so a test can
 * prove what a `kill -9` at that instant leaves behind and that the next run cleans it up. The points are named where
 * `crashPoint` is called; the hook does nothing unless the variable names one of them.
 */
export const KILL_AT_VARIABLE = "DSCHAT_STUDIO_TEST_KILL_AT";

export function crashPoint(point: string): void {
  if (process.env[KILL_AT_VARIABLE] === point) process.kill(process.pid, "SIGKILL");
}
