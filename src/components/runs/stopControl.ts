import {html} from "npm:htl";
import {callStudio, studioServer} from "../studio/studioApi.js";

/**
 * Stop for a running job: a button under the studio server (`npm start`), the `dschat-studio stop` command otherwise
 * (a static build, a report). Nothing for a job that has ended. The page's live updates then show Stopping → Stopped.
 */
export function StopControl(run: {job: string; status: string; simulated: boolean; source: string}) {
  if (run.source === "import" || !["InProgress", "Stopping"].includes(run.status)) return html`<div class="stop-control" hidden></div>`;
  const command = `npx dschat-studio stop ${run.job}${run.simulated ? " --emulator" : ""}`;
  const element = html`<div class="stop-control"><p>To stop this job: <code class="stop-command">${command}</code></p></div>`;
  void studioServer().then((server) => {
    if (!server) return;
    const button = html`<button class="stop-job" type="button" disabled=${run.status === "Stopping"}>${run.status === "Stopping" ? "Stopping…" : "Stop this job"}</button>` as HTMLButtonElement;
    const message = html`<span class="stop-message"></span>`;
    button.onclick = async () => {
      button.disabled = true;
      message.textContent = " asking SageMaker to stop it…";
      try {
        const answer = await callStudio<{job: {status: string}}>("/api/stop", {job: run.job});
        message.textContent = ` ${answer.job.status}: the job gets SIGTERM and ends Stopped.`;
      } catch (error) {
        button.disabled = false;
        message.textContent = ` ${(error as Error).message}`;
      }
    };
    element.replaceChildren(html`<p>${button}${message}</p>`);
  });
  return element;
}
