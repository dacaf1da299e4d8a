import {html} from "npm:htl";

/** What the Datasets page looks at: a file of the user's, a shipped sample, or a dataset the CLI converted. */
export type DatasetSource = {kind: "upload"; file: File} | {kind: "sample"; name: string} | {kind: "converted"; key: string};

export interface SourceChoices {
  samples: Array<{name: string; title: string}>;
  /** Datasets in the engine's cache that are not shipped samples, with their unique labels. */
  converted: Array<{key: string; label: string}>;
}

const ACCEPT = ".json,.jsonl,.ndjson,.csv,.tsv,.parquet,.arrow,.gz";

/**
 * A dataset list (samples, then the CLI's conversions) with a file input and a drop zone beside it. Its value is the
 * chosen source; choosing or dropping a file makes the file the source. The file is read in this browser only.
 */
export function SourcePicker({samples, converted}: SourceChoices, initial: DatasetSource = {kind: "sample", name: samples[0]?.name ?? ""}) {
  const select = html`<select id="dataset-source">
    <optgroup label="Shipped samples">${samples.map((sample) => html`<option value=${`sample:${sample.name}`}>${sample.title}</option>`)}</optgroup>
    <optgroup label="Converted with dschat-studio convert">${converted.length ? converted.map((dataset) => html`<option value=${`converted:${dataset.key}`}>${dataset.label}</option>`) : html`<option disabled>(none yet: run dschat-studio convert FILE --out DIR)</option>`}</optgroup>
    <optgroup label="Your file"><option value="upload" disabled>(drop a file below or pick one)</option></optgroup>
  </select>` as HTMLSelectElement;
  const input = html`<input type="file" id="dataset-file" accept=${ACCEPT}>` as HTMLInputElement;
  const zone = html`<div class="drop-zone" id="drop-zone" tabindex="0">Drop a JSON, JSON Lines, CSV/TSV, Parquet or Arrow file here (gzip too) — or ${input}<br><small>It is read in this browser tab; nothing is uploaded.</small></div>` as HTMLDivElement;
  const form = html`<form class="source-picker" onsubmit=${(event: Event) => event.preventDefault()}><label>Dataset ${select}</label>${zone}</form>` as HTMLFormElement & {value: DatasetSource};
  const uploadOption = select.querySelector<HTMLOptionElement>("option[value=upload]")!;

  const setValue = (value: DatasetSource) => {
    form.value = value;
    if (value.kind === "upload") {
      uploadOption.disabled = false;
      uploadOption.textContent = value.file.name;
      select.value = "upload";
    } else select.value = `${value.kind}:${value.kind === "sample" ? value.name : value.key}`;
    form.dispatchEvent(new Event("input", {bubbles: true}));
  };
  const useFile = (file: File | undefined) => file && setValue({kind: "upload", file});

  select.addEventListener("change", (event) => {
    event.stopPropagation();
    const [kind, id] = select.value.split(/:(.*)/s);
    if (kind === "sample") setValue({kind, name: id});
    else if (kind === "converted") setValue({kind, key: id});
    else if (input.files?.[0]) setValue({kind: "upload", file: input.files[0]});
  });
  select.addEventListener("input", (event) => event.stopPropagation());
  input.addEventListener("change", (event) => {
    event.stopPropagation();
    useFile(input.files?.[0]);
  });
  input.addEventListener("input", (event) => event.stopPropagation());
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    useFile(event.dataTransfer?.files?.[0]);
  });

  form.value = initial;
  if (initial.kind !== "upload") select.value = `${initial.kind}:${initial.kind === "sample" ? initial.name : initial.key}`;
  return form;
}
