import {html} from "npm:htl";
import {UserError} from "../../core/contract/userError.js";
import {formatPath, formats, MAPPING_TARGETS, parseMapping, type Detection} from "../../core/formats/index.js";

export interface MappingChoice {
  /** A format id, or null when the columns are mapped. */
  format: string | null;
  /** A --map specification, or null when a format is named. */
  map: string | null;
}

/**
 * How the records become DS-Chat rows: a format by name (the detected one first) or a column mapping, the same
 * choices as `--format NAME` and `--map prompt=…,chosen=…`. The value changes (and the page re-renders) as soon as a
 * choice is complete; a mapping that does not parse shows why.
 */
export function MappingEditor({detection, columns}: {detection: Detection | null; columns: string[]}) {
  const ids = Object.keys(formats);
  const ranked = detection ? [detection.format, ...detection.alternatives.map((a) => a.format), ...ids.filter((id) => id !== detection.format && !detection.alternatives.some((a) => a.format === id))] : ids;
  const confidence = new Map(detection ? [[detection.format, detection.confidence], ...detection.alternatives.map((a) => [a.format, a.confidence] as [string, number])] : []);
  const mode = html`<select id="mapping-mode"><option value="format">a format</option><option value="map">a column mapping</option></select>` as HTMLSelectElement;
  const formatSelect = html`<select id="mapping-format">${ranked.map(
    (id) => html`<option value=${id}>${id} — ${formats[id].title}${confidence.has(id) ? ` (confidence ${confidence.get(id)!.toFixed(2)}${id === detection?.format ? ", detected" : ""})` : ""}</option>`
  )}</select>` as HTMLSelectElement;
  const targetSelects = MAPPING_TARGETS.map((target) => {
    const select = html`<select data-target=${target}><option value="">(none)</option>${columns.map((column) => html`<option value=${column}>${column}</option>`)}</select>` as HTMLSelectElement;
    return {target, select};
  });
  const spec = html`<input type="text" id="mapping-spec" spellcheck="false" placeholder="prompt=question,chosen=answers[0],rejected=bad.text">` as HTMLInputElement;
  const error = html`<div class="filter-error" id="mapping-error" role="alert"></div>` as HTMLDivElement;
  const mapFields = html`<div class="mapping-fields">${targetSelects.map(({target, select}) => html`<label>${target} ${select}</label>`)}<label>--map ${spec}</label></div>` as HTMLDivElement;
  const form = html`<form class="mapping-editor" id="mapping-editor"><label>Read the records as ${mode}</label> <span class="format-choice">${formatSelect}</span>${mapFields}${error}</form>` as HTMLFormElement & {value: MappingChoice};

  const emit = (value: MappingChoice) => {
    if (form.value.format === value.format && form.value.map === value.map) return;
    form.value = value;
    form.dispatchEvent(new Event("input", {bubbles: true}));
  };
  const applySpec = () => {
    try {
      parseMapping(spec.value);
      error.textContent = "";
      emit({format: null, map: spec.value.trim()});
    } catch (failure) {
      error.textContent = failure instanceof UserError ? `${failure.what}. ${failure.fix}` : String(failure);
    }
  };
  const showMode = () => {
    const mapping = mode.value === "map";
    mapFields.hidden = !mapping;
    formatSelect.hidden = mapping;
    error.textContent = "";
    if (mapping) {
      if (spec.value.trim()) applySpec();
    } else emit({format: formatSelect.value, map: null});
  };
  for (const element of [mode, formatSelect, spec, ...targetSelects.map((t) => t.select)]) element.addEventListener("input", (event) => event.stopPropagation());
  mode.addEventListener("change", showMode);
  formatSelect.addEventListener("change", () => emit({format: formatSelect.value, map: null}));
  for (const {select} of targetSelects) {
    select.addEventListener("change", () => {
      spec.value = targetSelects.filter((t) => t.select.value).map((t) => `${t.target}=${formatPath([t.select.value])}`).join(",");
      applySpec();
    });
  }
  spec.addEventListener("change", applySpec);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    applySpec();
  });

  form.value = detection ? {format: detection.format, map: null} : {format: null, map: null};
  if (!detection) mode.value = "map";
  mapFields.hidden = mode.value !== "map";
  formatSelect.hidden = mode.value === "map";
  return form;
}
