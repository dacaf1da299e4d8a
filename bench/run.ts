// `npm run bench -- <name> [args...]` runs bench/<name>.ts. Benchmarks print figures; they are not tests.
import {readdirSync} from "node:fs";
import {fileURLToPath} from "node:url";

const [name, ...args] = process.argv.slice(2);
const available = readdirSync(fileURLToPath(new URL(".", import.meta.url)))
  .filter((file) => file.endsWith(".ts") && file !== "run.ts")
  .map((file) => file.slice(0, -3));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join("|")}> [options]`);
  process.exit(2);
}
const bench = (await import(`./${name}.ts`)) as {default: (args: string[]) => Promise<void>};
await bench.default(args);
