/**
 * The software a plan targets: DeepSpeed, transformers and torch (DS-Chat itself is fixed at commit 83757d9c), and the
 * default — what the SageMaker hand-off's training image runs. Several DS-Chat failures exist only for some versions
 * (the hybrid engine's LoRA fuse in DeepSpeed 0.9.3–0.9.5, ZeRO-3's "inflight params" before 0.15.3, …); the lint rules
 * read `plan.versions` to decide, and say which version they judged. The one place these facts live: the SageMaker
 * code imports the image from here. Isomorphic: no Node or DOM imports.
 */
import {checkKeys, quote, readObject} from "../contract/jsonFields.js";
import {compareVersions, parseVersion} from "../contract/softwareVersions.js";
import {UserError} from "../contract/userError.js";

export {compareVersions, inRange, parseVersion, rangeText, type VersionRange} from "../contract/softwareVersions.js";

/** The DeepSpeedExamples commit whose DS-Chat the studio reproduces (2025-02-11). */
export const DSCHAT_COMMIT = "83757d9c";

/**
 * The Hugging Face PyTorch training image (AWS Deep Learning Container) the hand-off submits with. Its Dockerfiles
 * (aws/deep-learning-containers huggingface/pytorch/training/docker/2.8/py3/cu129/Dockerfile.gpu and the PyTorch 2.8
 * base it builds on) install torch 2.8.0 and transformers 4.56.2 and no DeepSpeed.
 */
export const DEFAULT_TRAINING_IMAGE = {
  repository: "huggingface-pytorch-training",
  tag: "2.8.0-transformers4.56.2-gpu-py312-cu129-ubuntu22.04",
  torch: "2.8.0",
  transformers: "4.56.2",
  python: "3.12",
  cuda: "12.9"
} as const;

/** The newest DeepSpeed release this studio knows (tag v0.19.5, 2026-08-09). */
export const NEWEST_KNOWN_DEEPSPEED = "0.19.5";

/**
 * The DeepSpeed the hand-off installs: training/requirements.txt pins deepspeed==0.16.4 (test/core/target-versions.test.ts
 * keeps the two equal). The image ships no DeepSpeed, so the pin downgrades nothing; 0.16.4 is what DeepSpeed's own
 * DS-Chat CI runs (`.github/workflows/nv-ds-chat.yml`), and the newest releases (0.18.9–0.19.5) cannot start the hybrid
 * engine under ZeRO-3 (DeepSpeed PR #8270, in no release yet).
 */
export const PINNED_DEEPSPEED = "0.16.4";

/**
 * The newest transformers DeepSpeed's DS-Chat CI runs (`.github/workflows/nv-ds-chat.yml` pins transformers==4.48.3
 * since DeepSpeed commit 33dd2e216, "nv-ds-chat breaks with latest transformers (#7052)", 2025-02-19).
 */
export const DSCHAT_CI_TRANSFORMERS = "4.48.3";

export type Library = "deepspeed" | "transformers" | "torch";
export const LIBRARIES: readonly Library[] = ["deepspeed", "transformers", "torch"];

/** plan.json `versions`: a version string per library, or null when unknown (version-gated rules then only inform). */
export interface TargetVersions {
  deepspeed: string | null;
  transformers: string | null;
  torch: string | null;
  /** Always DSCHAT_COMMIT: the studio models no other DS-Chat. */
  dschat: typeof DSCHAT_COMMIT;
}

export function defaultTargetVersions(): TargetVersions {
  return {deepspeed: PINNED_DEEPSPEED, transformers: DEFAULT_TRAINING_IMAGE.transformers, torch: DEFAULT_TRAINING_IMAGE.torch, dschat: DSCHAT_COMMIT};
}

/** Where each default comes from, for the README, `plan --help` and messages. */
export const DEFAULT_VERSION_SOURCES: Record<Library, string> = {
  deepspeed: `the hand-off's training/requirements.txt pin (deepspeed==${PINNED_DEEPSPEED}; the training image has none)`,
  transformers: `the training image ${DEFAULT_TRAINING_IMAGE.repository}:${DEFAULT_TRAINING_IMAGE.tag}`,
  torch: `the training image ${DEFAULT_TRAINING_IMAGE.repository}:${DEFAULT_TRAINING_IMAGE.tag}`
};

/**
 * Whether `versions[library]` is at least `minimum`; null when the plan does not know the version. The lead's memory
 * model asks `transformersAtLeast(plan.versions, "4.36")` to pick the attention kernel.
 */
export function versionAtLeast(versions: Pick<TargetVersions, Library>, library: Library, minimum: string): boolean | null {
  const version = versions[library];
  return version === null ? null : compareVersions(version, minimum) >= 0;
}

export const transformersAtLeast = (versions: Pick<TargetVersions, Library>, minimum: string) => versionAtLeast(versions, "transformers", minimum);

const FIX = `Give each of deepspeed, transformers and torch as a version ("0.16.4") or null (unknown); dschat is always "${DSCHAT_COMMIT}".`;

/** A version option or field value: a version, or "unknown"/null for not known. */
export function readVersion(value: unknown, field: string, fix = FIX): string | null {
  if (value === null || value === "unknown") return null;
  if (typeof value === "string" && parseVersion(value)) return value.trim();
  throw new UserError(`must be a version such as "0.16.4", or null/"unknown"; got ${quote(value)}`, {where: {field}, fix});
}

/** plan.json `versions` (untrusted): missing libraries take the defaults. */
export function normalizeVersions(value: unknown, field = "plan.versions"): TargetVersions {
  const versions = defaultTargetVersions();
  if (value === undefined) return versions;
  const given = readObject(value, field, FIX);
  checkKeys(given, [...LIBRARIES, "dschat"], field, FIX);
  if (given.dschat !== undefined && given.dschat !== DSCHAT_COMMIT)
    throw new UserError(`is ${quote(given.dschat)}; the studio reproduces DS-Chat at commit ${DSCHAT_COMMIT} only`, {where: {field: `${field}.dschat`}, fix: FIX});
  for (const library of LIBRARIES) if (given[library] !== undefined) versions[library] = readVersion(given[library], `${field}.${library}`);
  return versions;
}
