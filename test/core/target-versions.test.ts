// The plan's default DeepSpeed version is the one the SageMaker hand-off installs: training/requirements.txt's pin.
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {it} from "node:test";
import {defaultTargetVersions, PINNED_DEEPSPEED} from "../../src/core/plan/targetVersions.js";
import {DEFAULT_TRAINING_IMAGE_TAG} from "../../src/core/sagemaker/trainingImage.js";
import {root} from "../helpers/cli.js";

it("plan.versions defaults to what the job gets: requirements.txt's DeepSpeed pin and the training image's transformers and torch", () => {
  const requirements = readFileSync(join(root, "training/requirements.txt"), "utf8");
  const pin = /^deepspeed==(\S+)$/m.exec(requirements)?.[1];
  assert.equal(pin, PINNED_DEEPSPEED);
  const versions = defaultTargetVersions();
  assert.equal(versions.deepspeed, pin);
  assert.ok(DEFAULT_TRAINING_IMAGE_TAG.startsWith(`${versions.torch}-transformers${versions.transformers}-`), DEFAULT_TRAINING_IMAGE_TAG);
});
