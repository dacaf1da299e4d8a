/**
 * The options of the commands that talk to SageMaker (submit, chain, status, list, stop, watch): where the calls go, and
 * what a submission needs besides the plan. One spelling for all of them.
 */
import {flag, option} from "./optionSpec.js";
import {text} from "./parsers.js";

/** `--emulator`: every AWS command. */
export const emulatorOptions = {
  emulator: flag("use dschat-studio's local emulator (simulated jobs, no AWS account) instead of AWS; AWS_ENDPOINT_URL_* pointing at it do the same")
};

/** What `submit` and `chain` take besides the plan. */
export const submissionOptions = {
  ...emulatorOptions,
  "data": option({parse: text, placeholder: "DIR", required: true, example: "out/hh", help: "the 'dschat-studio convert' output the plan trains on (train.json, eval.json, manifest.json)"}),
  "dschat": option({parse: text, placeholder: "DIR", help: "your DeepSpeed-Chat checkout, packed into the job's code (default: the image's, or DeepSpeedExamples 83757d9c fetched by the job from github.com)"}),
  "role": option({parse: text, placeholder: "ARN", help: "the IAM role the job runs as (required on AWS; you need iam:PassRole on it)"}),
  "bucket": option({parse: text, placeholder: "B", help: "the S3 bucket for code, data and outputs (required on AWS; in the job's region)"}),
  "prefix": option({parse: text, placeholder: "P", help: "key prefix inside the bucket (default none)"}),
  "image": option({parse: text, placeholder: "URI", help: "the training image (default: the Hugging Face PyTorch DLC of the region)"}),
  "dschat-arg": option({
    parse: text,
    takes: "list",
    placeholder: "NAME=VALUE",
    help: "a main.py argument the studio's table does not know (a newer or forked DS-Chat), passed as is; NAME alone is a switch. DS-Chat's own parser judges it"
  }),
  "rerun": flag("start new jobs even if identical ones already ran (job names are derived from the request, so a retried submit finds the first job)"),
  "dry-run": flag("print the uploads and the exact AWS requests, and call nothing")
};
