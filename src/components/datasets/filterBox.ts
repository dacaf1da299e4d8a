import {html} from "npm:htl";
import {UserError} from "../../core/contract/userError.js";
import {CANONICAL_COLUMN_NAMES} from "../../core/recipe/canonicalTable.js";
import {validateFilter} from "../../core/recipe/validateFilter.js";

export type FilterBoxElement = HTMLFormElement & {
  /** The last condition that passed validateFilter; null = no filter. */
  value: string | null;
  /** Shows what DuckDB said about the current condition (null clears it). */
  showError(message: string | null): void;
  /** Replaces the condition, as if typed and applied. */
  setCondition(text: string): void;
};

/**
 * A SQL WHERE condition over the canonical table's columns. It is checked as one expression over that table
 * (validateFilter, the check `convert --recipe` makes too) when applied (Enter or the button); a refused condition
 * shows its reason here and the previous one stays in force.
 */
export function FilterBox({placeholder = "e.g. prompt_chars < 2000 AND NOT contains(chosen, 'As an AI')"} = {}): FilterBoxElement {
  const input = html`<input type="text" id="filter-input" spellcheck="false" autocomplete="off" placeholder=${placeholder}>` as HTMLInputElement;
  const error = html`<div id="filter-error" class="filter-error" role="alert"></div>` as HTMLDivElement;
  const form = html`<form class="filter-box" id="filter-box">
    <label for="filter-input">WHERE</label> ${input} <button type="submit">Apply</button>
    ${error}
    <div class="filter-columns">Columns: ${CANONICAL_COLUMN_NAMES.map((name, i) => html`${i ? ", " : ""}<code>${name}</code>`)}</div>
  </form>` as FilterBoxElement;
  const apply = () => {
    let condition: string | null;
    try {
      condition = validateFilter(input.value);
    } catch (failure) {
      form.showError(failure instanceof UserError ? `${failure.what}. ${failure.fix}` : String(failure));
      return;
    }
    form.showError(null);
    if (condition === form.value) return;
    form.value = condition;
    form.dispatchEvent(new Event("input", {bubbles: true}));
  };
  form.value = null;
  form.showError = (message) => {
    error.textContent = message ?? "";
    input.classList.toggle("invalid", message !== null);
  };
  form.setCondition = (text) => {
    input.value = text;
    apply();
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
  input.addEventListener("input", (event) => event.stopPropagation());
  return form;
}
