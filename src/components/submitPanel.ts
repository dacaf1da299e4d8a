import {html} from "npm:htl";
import {callStudio, studioServer} from "./studio/studioApi.js";

interface StudioDataset {
  key: string;
  sources: string[];
  sample: string | null;
  format: string;
  train: number;
  eval: number;
}

interface SubmitAnswer {
  simulated: boolean;
  jobs: Array<{step: number; script: string; name: string; created: boolean | null}>;
  notes: string[];
}

let datasets: Promise<StudioDataset[]> | null = null;

const baseName = (source: string) => source.split(/[\\/]/).filter(Boolean).pop() ?? source;

/**
 * The Config page's hand-off: under the studio server (`npm start`), submit this plan with a converted dataset of this
 * machine — to the local emulator (simulated) or to SageMaker, whichever the server targets — and follow it on the Runs
 * page; elsewhere (a static build, a report) the commands that do the same. `plan` is the plan JSON the page built
 * (normalizePlan's output); `datasetKey` preselects a dataset by its cache key.
 */
export function submitPanel(plan: {steps: number[]; dataset?: {cache_key: string} | null}, {datasetKey = null as string | null} = {}) {
  const element = html`<div class="submit-panel card">
    <h2>Train it</h2>
    <p class="submit-cli">Save the plan (the <code>plan.json</code> download above), then from the studio's folder:
    <code>npx dschat-studio submit plan.json --data DIR --emulator --watch</code> (DIR: a <code>dschat-studio convert</code> output;
    leave out <code>--emulator</code> and add <code>--role</code> and <code>--bucket</code> for Amazon SageMaker). Under <code>npm start</code>, with the URL it printed, this panel submits it for you.</p>
  </div>`;
  void studioServer().then(async (server) => {
    if (!server) return;
    datasets ??= callStudio<{datasets: StudioDataset[]}>("/api/datasets").then((answer) => answer.datasets);
    let list: StudioDataset[];
    try {
      list = await datasets;
    } catch (error) {
      datasets = null;
      element.replaceChildren(html`<h2>Train it</h2><p class="submit-error">${(error as Error).message}</p>`);
      return;
    }
    const wanted = plan.dataset?.cache_key ?? datasetKey;
    const select = html`<select class="submit-dataset">${list.map((d) => html`<option value=${d.key} selected=${d.key === wanted}>${d.sample ? `${d.sample} (shipped sample)` : d.sources.map(baseName).join(", ")} — ${d.train.toLocaleString("en-US")} train rows</option>`)}</select>` as HTMLSelectElement;
    if (plan.dataset) select.disabled = true; // the plan records its dataset: it is submitted with that one
    const button = html`<button class="submit-plan" type="button" disabled=${list.length === 0}>Submit step${plan.steps.length > 1 ? "s" : ""} ${plan.steps.join(" → ")}</button>` as HTMLButtonElement;
    const result = html`<div class="submit-result" aria-live="polite"></div>`;
    button.onclick = async () => {
      button.disabled = true;
      result.replaceChildren(html`<p>Uploading the dataset and the job's code, then starting the job…</p>`);
      try {
        const answer = await callStudio<SubmitAnswer>("/api/submit", {plan, dataset: select.value});
        result.replaceChildren(html`<p class="submitted">${answer.simulated ? "SIMULATED: " : ""}${answer.jobs.map((job) => html`step ${job.step}: <code class="submitted-job">${job.name}</code> ${job.created ? "started" : "already running (same request)"}. `)}
          Follow it on the <a href="./runs">Runs page</a> (recorded and charted as it runs).</p>`);
      } catch (error) {
        result.replaceChildren(html`<p class="submit-error">${(error as Error).message}</p>`);
      }
      button.disabled = false;
    };
    element.replaceChildren(html`<h2>Train it</h2>
      <p>${server.simulated ? html`Jobs go to the studio's local emulator: <strong>SIMULATED</strong> (no GPU; the log DS-Chat published is replayed).` : `Jobs go to Amazon SageMaker in ${server.region}, with this machine's AWS credentials.`}</p>
      ${list.length === 0 ? html`<p>No converted dataset on this machine: <code>npx dschat-studio convert FILE --out DIR</code>, then reload.</p>` : html`<p><label>Dataset ${select}</label></p>`}
      <p>${button}</p>${result}`);
  });
  return element;
}
