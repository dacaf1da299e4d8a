/**
 * What lint rules look at: facts about a converted dataset (from stats and the manifest) and, optionally, about the
 * planned run. The plan engineer maps a plan onto `PlanFacts`; `dschat-studio lint --plan` reads it from JSON.
 * Isomorphic: no Node or DOM imports.
 */
import type {Phase} from "../canonical.js";
import type {ModelFamily} from "../models/familySupport.js";
import type {DataCacheEstimate, PartitionStats, SplitName} from "../stats/computeStats.js";
import type {DuplicateCounts} from "../stats/textFacts.js";

export type Severity = "error" | "warning" | "info";

/**
 * One finding, the same shape for `lint`, `plan` and the Config page: `{severity, rule, step?, message, fix}` plus where
 * it points (a plan field, a data split, example rows). Schema: schemas/finding.schema.json.
 */
export interface Finding {
  severity: Severity;
  /** The rule id, stable for scripts (`empty-partition`, `bloom-step2-rwtranrsformer`, …). */
  rule: string;
  /** The DS-Chat step the finding concerns (a data rule: the phase whose partition it measured). */
  step?: Phase;
  message: string;
  fix: string;
  /** Plan rules: the DS-Chat argument at fault, as a plan JSON path (`step3.inference_tp_size`), so a form can point at it. */
  field?: string;
  split?: SplitName;
  /** Example row ids (`train.json:12`), at most 10. */
  rows?: string[];
}

/** Row-level facts about one phase partition; the token-based ones are absent when no tokenizer was given. */
export type PartitionFacts = Pick<PartitionStats, "phase" | "split" | "rows" | "usable"> & {
  duplicates: DuplicateCounts;
} & Partial<Pick<PartitionStats, "exact" | "truncated" | "dropped" | "identicalPairs" | "divergenceAtStart" | "padInText" | "examples">>;

export interface DatasetFacts {
  /** Where the facts come from, for messages (the converted directory). */
  source: string;
  settings: {dataSplit: string; seed: number; maxSeqLen: number; maxPromptSeqLen: number};
  /** Rows per file, and (train.json) the rows usable in each phase — what a step could train on with all of them. */
  files: Record<SplitName, {rows: number; missingColumns: string[]; usable?: Record<"1" | "2" | "3", number>}>;
  partitions: PartitionFacts[];
  /** train.json prompts lacking DS-Chat's " Human: ... Assistant:" markers (local/jsonfile adds none). */
  promptsWithoutMarkers: {count: number; total: number; examples: string[]};
  trainEvalOverlap: {count: number; examples: string[]};
  /** Present when a tokenizer measured the data. */
  dataCache?: DataCacheEstimate[];
  /** Whether a tokenizer measured the rows (token-based rules need it). */
  tokenized: boolean;
  /** Why the measuring tokenizer's counts are not the model's (another family), when they are not. */
  tokenizerMismatch?: string | null;
  /** What `dschat-studio convert` recorded in manifest.json, when the directory has one. */
  manifest?: ManifestFacts | null;
}

/** The manifest.json fields lint reads; each is absent when the manifest lacks it (it is optional metadata). */
export interface ManifestFacts {
  trainRows?: number;
  evalRows?: number;
  /** Source rows convert could not map (listed in rejects.jsonl). */
  rejectedRows?: number;
  /** Rows whose DS-Chat strings differ from what the source format implies, as convert summarised them. */
  deviations?: {rows: number; summary: string}[];
}

/**
 * The minimum a lint needs to know about a planned DS-Chat run. Steps 1 and 2 use `zeroStage`/`lora*`; step 3 uses them
 * for the actor and `critic*` for the critic. Absent = unknown, so rules that need it stay silent.
 */
export interface PlanFacts {
  /** The step the plan runs (one lint per step). */
  step: Phase;
  /** `--model_name_or_path` (step 3: the actor). */
  modelName: string;
  /** Default: from the name (`modelFamilyOf`). */
  family?: ModelFamily | null;
  /** Step 3's `--critic_model_name_or_path`. */
  criticModelName?: string | null;
  criticFamily?: ModelFamily | null;
  /** `--zero_stage` (steps 1/2) or `--actor_zero_stage` (step 3). */
  zeroStage?: number;
  criticZeroStage?: number;
  offload?: boolean;
  enableHybridEngine?: boolean;
  inferenceTpSize?: number;
  /** `--lora_dim` / `--actor_lora_dim`. */
  loraDim?: number;
  loraModuleName?: string;
  criticLoraDim?: number;
  criticLoraModuleName?: string;
  /** Linear layers `loraModuleName` wraps, when the plan computed it (`loraTargets`); else lint checks the family's layout. */
  loraMatchedLinears?: number;
  criticLoraMatchedLinears?: number;
  enableMixedPrecisionLora?: boolean;
  numPaddingAtBeginning?: number;
  /** null = not passed (step 3's default `None`). */
  seed?: number | null;
  dataSplit?: string;
  maxSeqLen?: number;
  maxPromptSeqLen?: number;
  gpusPerNode?: number;
  hostRamGb?: number;
  /** `--add_eot_token`, with step 1's `--eot_token` (steps 2/3 always use `<|endoftext|>`). */
  addEotToken?: boolean;
  eotToken?: string;
  /** Every step the plan runs (a chained plan: [1, 2, 3]); default: this step alone. */
  planSteps?: Phase[];
  /** The DeepSpeed, transformers and torch versions the run targets (null = unknown); absent = unknown. */
  versions?: {deepspeed: string | null; transformers: string | null; torch: string | null};
  dtype?: "fp16" | "bf16";
  /** The planned GPU and whether it computes in bf16. */
  gpuName?: string;
  gpuBf16?: boolean;
  /** Instance count (nodes). */
  nodes?: number;
  /** `--data_path` and `--data_output_path` (DS-Chat's data cache directory). */
  dataPaths?: string[];
  dataOutputPath?: string;
  /** `--only_optimize_lora` (step 3: both models). */
  onlyOptimizeLora?: boolean;
  /** `--gradient_checkpointing` (steps 1/2) or `--actor_gradient_checkpointing` (step 3). */
  gradientCheckpointing?: boolean;
  criticGradientCheckpointing?: boolean;
  /** `--learning_rate` (steps 1/2) or `--actor_learning_rate` (step 3). */
  learningRate?: number;
  /** `--per_device_train_batch_size` (steps 1/2) or `--per_device_training_batch_size` (step 3). */
  perDeviceTrainBatchSize?: number;
  perDeviceGenerationBatchSize?: number;
  generationBatches?: number;
  gradientAccumulationSteps?: number;
  maxAnswerSeqLen?: number;
  releaseInferenceCache?: boolean;
  /** The name DS-Chat's tokenizer loader tests when it is not `modelName`: a local checkpoint's config.json `_name_or_path`. */
  tokenizerName?: string;
  /** The checkpoint's `vocab_size` (Llama-3: 128256), when known. */
  vocabSize?: number;
  /** Step 3: embedding rows after DS-Chat's resize, for the actor's tokenizer (which DS-Chat uses for both models) and for the critic's own. */
  actorVocabRows?: number;
  criticVocabRows?: number;
  /**
   * Step 3: what the critic checkpoint is: the plan's own step-2 output, one of DS-Chat's published reward checkpoints, a
   * base model from the Hub (no reward head), a local folder (see `criticCheckpointFiles`), or unknown.
   */
  criticCheckpoint?: "chained" | "dschat-reward" | "base-model" | "local" | "unknown";
  /** The files of a local critic folder (names only), when the plan side could list them. */
  criticCheckpointFiles?: string[];
  /** Train rows of the plan's data and the rows usable in each phase (a converted directory's manifest). */
  dataRows?: {trainRows: number; usable: Record<"1" | "2" | "3", number>; source: string};
  /** Derived by the plan side from the memory estimate (never read from JSON). */
  memory?: MemoryFitFacts;
  /** Derived by the plan side from the time estimate (step 3 generation; never read from JSON). */
  generation?: GenerationFacts;
}

/** The memory estimate's verdict for the planned GPU, with the largest batch and the cheapest change that fits. */
export interface MemoryFitFacts {
  gpuName: string;
  gpuMemoryGiB: number;
  reservedGiB: number;
  peakPhase: string;
  /** The largest terms at the peak, for the message. */
  largestTerms: {model: string; kind: string; gib: number}[];
  /** The largest per-device batch that fits (0: none). */
  largestBatch: number;
  /** The cheapest change (in the order: recompute, smaller batch, more sharding, LoRA, offload, bigger GPU) that fits, re-estimated. */
  fix: {change: string; reservedGiB: number} | null;
}

/** Step 3 generation figures from the time estimate, with and without the hybrid engine. */
export interface GenerationFacts {
  actorParams: number;
  answerTokens: number;
  secondsPerToken: number;
  secondsPerTokenWithHybridEngine: number;
  /** Per epoch, when the plan knows its rows. */
  hours?: number;
  hoursWithHybridEngine?: number;
}

export interface LintThresholds {
  /** Phase 1/2 rows truncated at max_seq_len above this share → warning. */
  truncatedRate: number;
  /** Phase 3 prompts dropped above this share → warning. */
  droppedRate: number;
  /** Data cache per node above this share of host RAM → warning (above 1 → error). */
  hostRamShare: number;
}

export const defaultThresholds: LintThresholds = {truncatedRate: 0.05, droppedRate: 0.05, hostRamShare: 0.8};

export interface LintContext {
  dataset?: DatasetFacts | null;
  plan?: PlanFacts | null;
  /** The DS-Chat steps the data feeds; default: the plan's step, else all three (a converted dir usually feeds all). */
  steps?: Phase[];
  thresholds?: Partial<LintThresholds>;
}

/** A lint rule: a stable id and severity, and a check that returns one entry per problem it finds. */
export interface LintRule {
  id: string;
  severity: Severity;
  /** One line for `lint --rules` and the docs. */
  title: string;
  /** What the rule needs; rules whose needs are missing do not run. */
  needs: ("dataset" | "tokens" | "plan")[];
  check(context: ResolvedLintContext): RuleHit[];
}

export interface ResolvedLintContext {
  dataset: DatasetFacts | null;
  plan: PlanFacts | null;
  steps: Phase[];
  thresholds: LintThresholds;
}

/** A rule's finding; it may refine its rule's id and severity (one rule, several known failures). */
export type RuleHit = Omit<Finding, "rule" | "severity"> & {rule?: string; severity?: Severity};
