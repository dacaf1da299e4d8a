import {parseArgs} from "node:util";
import type {Command} from "../command.js";
import {CliError, EXIT_OK} from "../errors.js";
import {formatStats} from "../../stats/formatStats.js";
import {runStats} from "../../stats/runStats.js";

const usage = `Usage: dschat-studio stats <converted-dir> --tokenizer PATH|NAME [options]

Tokenizes a converted directory (train.json + eval.json, DS-Chat's local/jsonfile layout) exactly as DS-Chat
would for each phase of --data-split, and reports token lengths, truncated rows, dropped prompts, pairs that crash
or teach nothing, duplicates, script mix and the size of DS-Chat's data cache.

Options:
  --tokenizer PATH|NAME      tokenizer.json file or model folder, a model name in the Hugging Face cache,
                             or a bundled short name: gpt2, llama2 (required)
  --model NAME               the --model_name_or_path DS-Chat gets; decides family rules (OPT's </s> BOS,
                             Llama's [PAD], ...). Default: the tokenizer's name
  --max-seq-len N            steps 1 and 2 (default 512)
  --max-prompt-seq-len N     step 3 (default 256)
  --data-split A,B,C         DS-Chat --data_split (default 2,4,4)
  --seed N                   DS-Chat --seed (default 1234)
  --sample N                 tokenize a seeded random sample of N rows in all; every rate gets a 95% interval
  --add-eot-token            DS-Chat's --add_eot_token: --eot-token becomes a special token (one token, vocab + 1
                             when new); steps 2 and 3 always use <|endoftext|>
  --eot-token TEXT           step 1's --eot_token (default <|endoftext|>)
  --gpus-per-node N          for the host-RAM need of the data cache (default 1)
  --threads N                threads that tokenize, this one included (default: every core; a --sample
                             below 4000 rows runs on this thread alone); 1 = no worker threads
  --download                 fetch the tokenizer from huggingface.co into the HF cache when it is not there
  --json                     print the full report as one JSON document
`;

const command: Command = {
  summary: "Token lengths, truncation, crash-prone pairs and data-cache size per DS-Chat phase",
  usage,
  async run(argv, io) {
    const {values, positionals} = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        "tokenizer": {type: "string"},
        "model": {type: "string"},
        "max-seq-len": {type: "string", default: "512"},
        "max-prompt-seq-len": {type: "string", default: "256"},
        "data-split": {type: "string", default: "2,4,4"},
        "seed": {type: "string", default: "1234"},
        "sample": {type: "string"},
        "gpus-per-node": {type: "string", default: "1"},
        "add-eot-token": {type: "boolean", default: false},
        "eot-token": {type: "string", default: "<|endoftext|>"},
        "threads": {type: "string"},
        "download": {type: "boolean", default: false},
        "json": {type: "boolean", default: false}
      }
    });
    if (positionals.length !== 1) throw new CliError(`expected one converted directory, got ${positionals.length}. See 'dschat-studio stats --help'.`);
    if (!values.tokenizer) throw new CliError("--tokenizer is required: a tokenizer.json path, a model folder, a model name in the HF cache, or gpt2 / llama2.");
    const report = await runStatsForCli({
      dir: positionals[0],
      tokenizer: values.tokenizer,
      modelName: values.model ?? null,
      addEotToken: values["add-eot-token"] ? values["eot-token"] : null,
      maxSeqLen: positiveInteger(values["max-seq-len"], "--max-seq-len"),
      maxPromptSeqLen: positiveInteger(values["max-prompt-seq-len"], "--max-prompt-seq-len"),
      dataSplit: values["data-split"],
      seed: wholeNumber(values.seed, "--seed"),
      sample: values.sample === undefined ? null : positiveInteger(values.sample, "--sample"),
      gpusPerNode: positiveInteger(values["gpus-per-node"], "--gpus-per-node"),
      threads: values.threads === undefined ? undefined : positiveInteger(values.threads, "--threads"),
      download: values.download,
      env: io.env,
      cwd: io.cwd,
      onProgress: io.stderr.isTTY ? progressReporter(io.stderr) : undefined
    });
    io.stdout.write(values.json ? JSON.stringify(report) + "\n" : formatStats(report));
    return EXIT_OK;
  }
};

export default command;

export async function runStatsForCli(options: Parameters<typeof runStats>[0]) {
  try {
    return await runStats(options);
  } catch (error) {
    throw asInputError(error);
  }
}

/**
 * The engine reports unusable input (missing files, bad rows, unknown tokenizer, bad split) as plain `Error`s whose
 * message says the fix: those become exit code 2. TypeErrors and friends, and worker crashes, stay internal errors (1).
 */
export function asInputError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof CliError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const plain = Object.getPrototypeOf(error) === Error.prototype && !/stats worker (failed|crashed|exited)/.test(error.message);
  return plain || code === "ENOENT" || code === "EACCES" ? new CliError(error.message, {cause: error}) : error;
}

export function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) throw new CliError(`${flag} ${JSON.stringify(text)} is not a positive whole number.`);
  return value;
}

export function wholeNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) throw new CliError(`${flag} ${JSON.stringify(text)} is not a whole number (0 or more).`);
  return value;
}

function progressReporter(stderr: NodeJS.WritableStream) {
  let last = 0;
  return (done: number, total: number) => {
    const now = Date.now();
    if (now - last < 200 && done < total) return;
    last = now;
    stderr.write(`\rtokenizing ${done}/${total} rows${done === total ? "\n" : ""}`);
  };
}
