/**
 * The Hugging Face PyTorch training image (AWS Deep Learning Container) for a region (sagemaker.md §4). The registry
 * account differs per region and is kept as a table, not a formula; the tag is pinned but configurable because the DLC
 * tag scheme is moving (…-amzn2023-sagemaker). Isomorphic.
 */
import {UserError} from "../contract/userError.js";
import type {Plan} from "../plan/normalizePlan.js";
import {DEFAULT_TRAINING_IMAGE} from "../plan/targetVersions.js";

/** Transformers 4.56.2 / PyTorch 2.8.0 / py312 / CUDA 12.9 — inside the SDK's torch_distributed allow-list (1.13.1–2.8.0). */
export const DEFAULT_TRAINING_IMAGE_TAG = DEFAULT_TRAINING_IMAGE.tag;
export const TRAINING_IMAGE_REPOSITORY = DEFAULT_TRAINING_IMAGE.repository;

/**
 * The image tag a plan's jobs run on. The plan's versions (plan.versions) describe this image by default; the DLC tags
 * are a fixed list, so other transformers/torch versions are planned for (lint, memory) but the job still gets the
 * pinned image unless `submit --image` names another one.
 */
export function trainingImageTag(_plan: Plan): string {
  return DEFAULT_TRAINING_IMAGE_TAG;
}

const MAIN_ACCOUNT = "763104351884";

/** Registry account per region (sagemaker.md §4, from the SageMaker Python SDK's image_uri_config). */
export const dlcAccountByRegion: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    [
      "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
      "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ca-central-1", "sa-east-1"
    ].map((region) => [region, MAIN_ACCOUNT])
  ),
  "af-south-1": "626614931356",
  "ap-east-1": "871362719292",
  "ap-northeast-3": "364406365360",
  "ap-southeast-3": "907027046896",
  "eu-south-1": "692866216735",
  "me-south-1": "217643126080",
  "me-central-1": "914824155844",
  "il-central-1": "780543022126",
  "ca-west-1": "204538143572",
  "cn-north-1": "727897471807",
  "cn-northwest-1": "727897471807",
  "us-gov-east-1": "446045086412",
  "us-gov-west-1": "442386744353"
};

export function trainingImageUri(region: string, tag: string = DEFAULT_TRAINING_IMAGE_TAG): string {
  const account = dlcAccountByRegion[region];
  if (!account)
    throw new UserError(`no Deep Learning Container registry is known for region ${JSON.stringify(region)}`, {
      where: {option: "AWS_REGION"},
      fix: `Pass the image URI yourself (--image) or use one of: ${Object.keys(dlcAccountByRegion).join(", ")}.`
    });
  const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `${account}.dkr.ecr.${region}.${domain}/${TRAINING_IMAGE_REPOSITORY}:${tag}`;
}
