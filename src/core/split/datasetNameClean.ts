/**
 * DS-Chat's `dataset_name_clean`: the name its index files carry. `get_raw_dataset` picks a class by **substring**
 * tests in a fixed order, so a local copy such as `./x/Dahoas/rm-static` selects the rm-static class. Isomorphic.
 */
import {UserError} from "../contract/userError.js";

export interface BuiltinDataset {
  /** The substring `get_raw_dataset` tests with `"X" in dataset_name`. */
  match: string;
  /** The class's hard-coded `dataset_name_clean`. */
  nameClean: string;
  /** True when the class has only a train split and carves eval out of it with a 9:1 `train_eval` pre-split. */
  preSplit: boolean;
}

/** The if/elif chain of `data_utils.get_raw_dataset`, in its order (first match wins). */
export const BUILTIN_DATASETS: readonly BuiltinDataset[] = [
  {match: "Dahoas/rm-static", nameClean: "Dahoas_rm_static", preSplit: false},
  {match: "Dahoas/full-hh-rlhf", nameClean: "Dahoas_full_hh_rlhf", preSplit: false},
  {match: "Dahoas/synthetic-instruct-gptj-pairwise", nameClean: "Dahoas_synthetic_instruct_gptj_pairwise", preSplit: true},
  {match: "yitingxie/rlhf-reward-datasets", nameClean: "yitingxie_rlhf_reward_datasets", preSplit: false},
  {match: "openai/webgpt_comparisons", nameClean: "openai_webgpt_comparisons", preSplit: true},
  {match: "stanfordnlp/SHP", nameClean: "stanfordnlp_SHP", preSplit: false},
  {match: "pvduy/sharegpt_alpaca_oa_vicuna_format", nameClean: "pvduy_sharegpt_alpaca_oa_vicuna_format", preSplit: false},
  {match: "wangrui6/Zhihu-KOL", nameClean: "wangrui6_Zhihu_KOL", preSplit: true},
  {match: "Cohere/miracl-zh-queries-22-12", nameClean: "Cohere_miracl_zh_queries_22_12", preSplit: false},
  {match: "Hello-SimpleAI/HC3-Chinese", nameClean: "Hello_SimpleAI_HC3_Chinese", preSplit: true},
  // Both mkqa classes share "mkqa", so they also share index files.
  {match: "mkqa-Chinese", nameClean: "mkqa", preSplit: true},
  {match: "mkqa-Japanese", nameClean: "mkqa", preSplit: true},
  {match: "Cohere/miracl-ja-queries-22-12", nameClean: "Cohere_miracl_ja_queries_22_12", preSplit: false},
  {match: "lmqg/qg_jaquad", nameClean: "lmqg_qg_jaquad", preSplit: false},
  {match: "lmqg/qag_jaquad", nameClean: "lmqg_qag_jaquad", preSplit: false},
  {match: "local/jsonfile", nameClean: "jsonfile", preSplit: false}
];

/** The built-in class a `--data_path` entry selects, or an error with DS-Chat's own message. */
export function findBuiltinDataset(dataPath: string): BuiltinDataset {
  const found = BUILTIN_DATASETS.find((dataset) => dataPath.includes(dataset.match));
  if (!found) {
    throw new UserError(`We do not have configs for dataset ${dataPath}, but you can add it by yourself in raw_datasets.py. (DS-Chat's message.)`, {
      fix:
        `Convert the data to DS-Chat's local/jsonfile format (train.json + eval.json), or use a path ` +
        `containing one of: ${BUILTIN_DATASETS.map((dataset) => dataset.match).join(", ")}.`
    });
  }
  return found;
}

/** `raw_dataset.dataset_name_clean` for a `--data_path` entry, e.g. "Dahoas/rm-static" → "Dahoas_rm_static". */
export function datasetNameClean(dataPath: string): string {
  return findBuiltinDataset(dataPath).nameClean;
}
