/**
 * The options `stats` and `lint` share, declared once: the tokenizer, DS-Chat's own arguments that decide how the data
 * is split and tokenized, and the sample.
 */
import {dschatOption} from "./dschatOptions.js";
import {flag, option} from "./optionSpec.js";
import {integer, text} from "./parsers.js";

export const tokenOptions = {
  tokenizer: option({parse: text, placeholder: "PATH|NAME", help: "tokenizer.json file or model folder, a model name in the Hugging Face cache, or a bundled short name: gpt2, llama2"}),
  model: dschatOption("model_name_or_path", {help: "the --model_name_or_path DS-Chat gets; decides family rules (OPT's </s> BOS, Llama's [PAD], ...); default: the tokenizer's name"}),
  max_seq_len: dschatOption("max_seq_len", {default: 512, help: "steps 1 and 2"}),
  max_prompt_seq_len: dschatOption("max_prompt_seq_len", {default: 256, help: "step 3"}),
  data_split: dschatOption("data_split", {default: "2,4,4", help: "DS-Chat's --data_split"}),
  seed: dschatOption("seed", {default: 1234, help: "DS-Chat's --seed"}),
  sample: option({parse: integer({min: 1, example: 2000}), placeholder: "N", help: "tokenize a seeded random sample of N rows in all; every rate gets a 95% interval"}),
  download: flag("fetch the tokenizer from huggingface.co into the HF cache when it is not there")
};
