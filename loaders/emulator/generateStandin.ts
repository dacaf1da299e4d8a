/**
 * Writes the emulator's stand-in main.py files (loaders/emulator/standin/DeepSpeed-Chat/training/<step>/main.py) from the
 * argument table. Run after changing src/core/plan/dschatArgs.ts or src/core/sagemaker/dschatScripts.ts:
 *   node --import tsx loaders/emulator/generateStandin.ts
 */
import {mkdirSync, writeFileSync} from "node:fs";
import {dirname, join} from "node:path";
import {STANDIN_ROOT} from "./jobRunner.js";
import {renderStandinFiles} from "./standin.js";

for (const [path, content] of Object.entries(renderStandinFiles())) {
  const target = join(STANDIN_ROOT, path);
  mkdirSync(dirname(target), {recursive: true});
  writeFileSync(target, content);
  process.stdout.write(`wrote ${target}\n`);
}
