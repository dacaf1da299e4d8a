import {availableParallelism} from "node:os";
import {runStats} from "../../loaders/stats/runStats.js";
import {statsJson} from "../../loaders/stats/statsJson.js";
import {defineCommand} from "../command.js";
import {dschatOption, withEveryDschatArg} from "../options/dschatOptions.js";
import {tokenOptions} from "../options/tokenOptions.js";
import {option} from "../options/optionSpec.js";
import {integer} from "../options/parsers.js";
import {createCountProgress} from "../views/progress.js";
import {statsText} from "../views/statsView.js";

const positive = integer({min: 1, example: 8});

export default defineCommand({
  summary: "Token lengths, truncation, crash-prone pairs and data-cache size per DS-Chat phase",
  synopsis: "<converted-dir> --tokenizer PATH|NAME [options]",
  description: `Tokenizes a converted directory (train.json + eval.json, DS-Chat's local/jsonfile layout) exactly as DS-Chat
would for each phase of --data_split, and reports token lengths, truncated rows, dropped prompts, pairs that crash
or teach nothing, duplicates, script mix and the size of DS-Chat's data cache.`,
  options: withEveryDschatArg({
    ...tokenOptions,
    tokenizer: {...tokenOptions.tokenizer, required: true as const, example: "gpt2", help: `${tokenOptions.tokenizer.help} (required)`},
    add_eot_token: dschatOption("add_eot_token", {help: "DS-Chat's --add_eot_token: --eot_token becomes a special token (one token, vocab + 1 when new); steps 2 and 3 always use <|endoftext|>"}),
    eot_token: dschatOption("eot_token", {default: "<|endoftext|>", help: "step 1's --eot_token"}),
    "gpus-per-node": option({parse: positive, default: 1, placeholder: "N", help: "for the host-RAM need of the data cache"}),
    threads: option({parse: positive, placeholder: "N", help: "threads that tokenize, this one included (default and at most: every core; a --sample below 4000 rows runs on this thread alone); 1 = no worker threads"})
  }, "stats depends only on the data, the tokenizer and the sequence settings above"),
  positionals: {name: "<converted-dir>", min: 1, max: 1},
  schema: "stats",
  async run({values, positionals}, io) {
    // More threads than cores only adds tokenizer copies and switching (64 on 2 cores: 5× the memory, 4× the time).
    const cores = availableParallelism();
    let threads = values.threads;
    if (threads !== undefined && threads > cores) {
      io.stderr.write(`note: --threads ${threads} is more than the ${cores} cores of this machine; using ${cores}\n`);
      threads = cores;
    }
    const report = await runStats({
      dir: positionals[0],
      tokenizer: values.tokenizer,
      modelName: values.model ?? null,
      addEotToken: values.add_eot_token ? values.eot_token : null,
      maxSeqLen: values.max_seq_len,
      maxPromptSeqLen: values.max_prompt_seq_len,
      dataSplit: values.data_split,
      seed: values.seed,
      sample: values.sample ?? null,
      gpusPerNode: values["gpus-per-node"],
      threads,
      download: values.download,
      env: io.env,
      cwd: io.cwd,
      onProgress: createCountProgress(io.stderr, "tokenizing")
    });
    if (report.tokenizer.mismatch) io.stderr.write(`warning: ${report.tokenizer.mismatch}; pass the model's own tokenizer with --tokenizer\n`);
    return {json: statsJson(report), text: () => statsText(report)};
  }
});


