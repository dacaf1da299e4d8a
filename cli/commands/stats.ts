import {runStats} from "../../loaders/stats/runStats.js";
import {statsJson} from "../../loaders/stats/statsJson.js";
import {defineCommand} from "../command.js";
import {dschatOption, withEveryDschatArg} from "../options/dschatOptions.js";
import {flag, option} from "../options/optionSpec.js";
import {integer, text} from "../options/parsers.js";
import {createCountProgress} from "../views/progress.js";
import {statsText} from "../views/statsView.js";

const positive = integer({min: 1, example: 8});

/** The options stats and lint share, declared once: the tokenizer and DS-Chat's own arguments that shape the data. */
export const tokenOptions = {
  tokenizer: option({parse: text, placeholder: "PATH|NAME", help: "tokenizer.json file or model folder, a model name in the Hugging Face cache, or a bundled short name: gpt2, llama2"}),
  model: dschatOption("model_name_or_path", {help: "the --model_name_or_path DS-Chat gets; decides family rules (OPT's </s> BOS, Llama's [PAD], ...); default: the tokenizer's name"}),
  max_seq_len: dschatOption("max_seq_len", {default: 512, help: "steps 1 and 2"}),
  max_prompt_seq_len: dschatOption("max_prompt_seq_len", {default: 256, help: "step 3"}),
  data_split: dschatOption("data_split", {default: "2,4,4", help: "DS-Chat's --data_split"}),
  seed: dschatOption("seed", {default: 1234, help: "DS-Chat's --seed"}),
  sample: option({parse: positive, placeholder: "N", help: "tokenize a seeded random sample of N rows in all; every rate gets a 95% interval"}),
  download: flag("fetch the tokenizer from huggingface.co into the HF cache when it is not there")
};

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
    threads: option({parse: positive, placeholder: "N", help: "threads that tokenize, this one included (default: every core; a --sample below 4000 rows runs on this thread alone); 1 = no worker threads"})
  }, "stats depends only on the data, the tokenizer and the sequence settings above"),
  positionals: {name: "<converted-dir>", min: 1, max: 1},
  schema: "stats",
  async run({values, positionals}, io) {
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
      threads: values.threads,
      download: values.download,
      env: io.env,
      cwd: io.cwd,
      onProgress: createCountProgress(io.stderr, "tokenizing")
    });
    return {json: statsJson(report), text: () => statsText(report)};
  }
});


