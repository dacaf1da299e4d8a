/**
 * DS-Chat's three steps as a chain of training jobs: 1 → 2 → 3, each submitted when the previous one has completed, step
 * 3 getting step 1's model artefact as its `actor` channel and step 2's as its `critic` channel. The whole chain is planned
 * up front (`planSubmission(..., chain = true)`), so its names are known and a chain run again resumes: a step whose job
 * already completed is not run twice. Nothing prints; events go to `onEvent`.
 */
import type {Phase} from "../../src/core/canonical.js";
import type {Plan} from "../../src/core/plan/normalizePlan.js";
import type {AwsClients} from "./clients.js";
import {isAwsError} from "./awsErrors.js";
import {executeSubmission, planSubmission, type PlannedJob, type Submission, type SubmissionOptions} from "./submission.js";
import {describeJob, jobEndedError, waitForJob, type JobDescription, type WaitOptions} from "./trainingJobs.js";

export type ChainEvent =
  | {type: "planned"; submission: Submission}
  | {type: "submitted"; phase: Phase; name: string; created: boolean}
  | {type: "status"; phase: Phase; job: JobDescription}
  | {type: "completed"; phase: Phase; job: JobDescription};

export interface ChainOptions extends SubmissionOptions {
  /** Which steps to chain (default: the plan's steps, which must include 3 with 1 and/or 2 for anything to be wired). */
  phases?: readonly Phase[];
  wait?: Omit<WaitOptions, "onUpdate">;
  onEvent?: (event: ChainEvent) => void;
}

export interface ChainResult {
  jobs: Array<{phase: Phase; name: string; status: string; model_artifact: string | null; billable_seconds: number | null}>;
}

export async function runChain(clients: AwsClients, plan: Plan, datasetDir: string | null, options: ChainOptions): Promise<ChainResult> {
  const phases = options.phases ?? plan.steps;
  const submission = await planSubmission(plan, datasetDir, options, phases, true);
  options.onEvent?.({type: "planned", submission});
  const result: ChainResult = {jobs: []};
  for (const job of submission.jobs) {
    let final = await existingFinal(clients, job);
    if (!final) {
      const [submitted] = await executeSubmission(clients, submission, {}, [job]);
      options.onEvent?.({type: "submitted", phase: job.phase, name: job.name, created: submitted!.created});
      final = await waitForJob(clients, job.name, {...options.wait, onUpdate: (update) => options.onEvent?.({type: "status", phase: job.phase, job: update})});
    }
    if (final.status !== "Completed") throw jobEndedError(job.phase, final, "later steps were not submitted");
    options.onEvent?.({type: "completed", phase: job.phase, job: final});
    result.jobs.push({phase: job.phase, name: job.name, status: final.status, model_artifact: final.model_artifact, billable_seconds: final.billable_seconds});
  }
  return result;
}

/** A job of this name that already ended (a chain run again); null when it does not exist or still runs. */
async function existingFinal(clients: AwsClients, job: PlannedJob): Promise<JobDescription | null> {
  try {
    const found = await describeJob(clients, job.name);
    return found.status === "Completed" || found.status === "Failed" || found.status === "Stopped" ? found : null;
  } catch (error) {
    if (isAwsError(error, "not-found")) return null;
    throw error;
  }
}
