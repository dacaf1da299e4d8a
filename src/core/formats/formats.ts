import type {FormatAdapter} from "./formatAdapter.js";
import {alpaca, alpacaPreference, selfInstruct} from "./adapters/alpaca.js";
import {pvduySharegptAlpacaOaVicuna, stanfordShp, webgptComparisons} from "./adapters/dschatEnglish.js";
import {hc3Chinese, miraclJa, miraclZh, mkqaChinese, mkqaJapanese, qagJaquad, qgJaquad, zhihuKol} from "./adapters/dschatCjk.js";
import {fullHhRlhf, rmStatic, syntheticInstructGptjPairwise, yitingxieRlhfRewardDatasets} from "./adapters/dschatHhFamily.js";
import {hhRlhf} from "./adapters/hhRlhf.js";
import {localJsonfile} from "./adapters/localJsonfile.js";
import {kto, lfV1Preference, messages} from "./adapters/messages.js";
import {belle, plainText, questionAnswer} from "./adapters/questionAnswer.js";
import {phoenixSft, sharegpt, sharegptPreference} from "./adapters/sharegpt.js";
import {promptCompletion, promptOnly, trlImplicitPreference, trlPreference} from "./adapters/trl.js";

/**
 * Every format, in the order that breaks detection ties. The DS-Chat built-ins come first and in DS-Chat's own
 * dispatch order (data_utils.get_raw_dataset), which `findFormat` relies on for its substring rule.
 * Adding a format = one adapter file + one entry here.
 */
const ADAPTERS: readonly FormatAdapter[] = [
  rmStatic,
  fullHhRlhf,
  syntheticInstructGptjPairwise,
  yitingxieRlhfRewardDatasets,
  webgptComparisons,
  stanfordShp,
  pvduySharegptAlpacaOaVicuna,
  zhihuKol,
  miraclZh,
  hc3Chinese,
  mkqaChinese,
  mkqaJapanese,
  miraclJa,
  qgJaquad,
  qagJaquad,
  localJsonfile,
  lfV1Preference,
  sharegptPreference,
  kto,
  hhRlhf,
  alpacaPreference,
  selfInstruct,
  phoenixSft,
  belle,
  trlImplicitPreference,
  trlPreference,
  sharegpt,
  messages,
  alpaca,
  promptCompletion,
  questionAnswer,
  plainText,
  promptOnly
];

export const formats: Record<string, FormatAdapter> = Object.fromEntries(ADAPTERS.map((adapter) => [adapter.name, adapter]));
