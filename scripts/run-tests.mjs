// Runs every test/**/*.test.ts with node's built-in runner (TypeScript through tsx), in one run so that CI reads one
// summary. Node 20's --test neither expands globs nor picks up .ts files, hence this list. Browser tests go last and
// share one build of the site (keyed by DSCHAT_TEST_RUN).
import {spawnSync} from "node:child_process";
import {randomUUID} from "node:crypto";
import {readdirSync} from "node:fs";
import {join, sep} from "node:path";

function findTests(dir) {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "fixtures" ? [] : findTests(path);
    return entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

const isBrowserTest = (file) => file.includes(`${sep}e2e${sep}`) || file.startsWith(`e2e${sep}`);
const only = process.argv.slice(2);
const all = only.length ? only : findTests("test").sort();
const files = [...all.filter((file) => !isBrowserTest(file)), ...all.filter(isBrowserTest)];
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", ...files],
  {stdio: "inherit", env: {...process.env, DSCHAT_TEST_RUN: randomUUID(), OBSERVABLE_TELEMETRY_DISABLE: "true"}}
);
process.exit(result.status ?? 1);
