/**
 * Every JSON document dschat-studio writes, by the name of its JSON Schema (`schemas/<name>.schema.json`), with the
 * version that schema describes. Each document carries it as its first key, `schema_version`. Bump a version (here and
 * in the schema's `const`) when a key is removed or changes meaning; adding a key is compatible and needs no bump.
 * `test/cli/json-schemas.test.ts` checks that this table and the schema files agree. Isomorphic.
 */
export const SCHEMA_VERSIONS = {
  /** `convert --json` (2: per-input formats, unused columns and warnings; `format` is "mixed" when the inputs differ) */
  "convert": 2,
  /** `inspect --json` (2: per-input formats and unused columns; `format` is "mixed" when the inputs differ) */
  "inspect": 2,
  /** `split --json` */
  "split": 1,
  /** `stats --json`, which `plan --stats` reads */
  "stats": 1,
  /** `lint --json` */
  "lint": 1,
  /** `lint --rules --json` */
  "lint-rules": 1,
  /** `plan --json` */
  "plan-report": 2,
  /** `plan.json`: the plan itself (`plan --out`, the Config page's download, `plan --from`, `lint --plan`) */
  "plan": 1,
  /** `plan --instances --json`, and what `plan --catalog` reads */
  "instances": 1,
  /** `manifest.json` of every `convert` output and cache entry (2: per-input format, counts and unused columns; reasoning) */
  "manifest": 2,
  /** `src/data/datasets.json`, read by the Config page */
  "datasets": 1,
  /** `src/data/samples.json`, read by the home, Datasets and Config pages */
  "samples": 1,
  /** `recipe.json`: the Datasets page's conversion, which `convert --recipe` repeats */
  "recipe": 1,
  /** `submit --json` and `chain --json` (dry runs included): uploads, calls, requests and what became of each job */
  "submission": 1,
  /** `status --json` and `stop --json`: one training job */
  "job": 1,
  /** `list --json`: training jobs */
  "jobs": 1,
  /** `emulator --json`, printed when the emulator stops */
  "emulator": 1,
  /** `report --json`: the static report site written (and published) */
  "report": 1,
  /** `data/runs/<job>/record.json`: a run record (watch, submit --watch, import-log) */
  "run-record": 1,
  /** `runs --json`, `watch --json`, `import-log --json` and the Runs page's `src/data/runs.json`: run records summarised */
  "runs": 1
} as const;

export type SchemaName = keyof typeof SCHEMA_VERSIONS;

export type Versioned<N extends SchemaName, T> = {schema_version: (typeof SCHEMA_VERSIONS)[N]} & T;

/** The document with its schema's version as the first key. */
export function versioned<N extends SchemaName, T extends object>(name: N, body: T): Versioned<N, T> {
  return {schema_version: SCHEMA_VERSIONS[name], ...body};
}
