import {html} from "npm:htl";

/** Preformatted text with a copy button; the text is set as text, never parsed as HTML. */
export function CodeBlock(text: string, {id = "", label = "Copy"} = {}) {
  const pre = html`<pre style="white-space: pre-wrap; word-break: break-all; max-height: 28em; overflow: auto;"></pre>` as HTMLPreElement;
  pre.textContent = text;
  if (id) pre.id = id;
  const button = html`<button type="button">${label}</button>` as HTMLButtonElement;
  button.onclick = async () => {
    await navigator.clipboard?.writeText(text);
    button.textContent = "Copied";
    setTimeout(() => (button.textContent = label), 1500);
  };
  return html`<div class="code-block">${button}${pre}</div>`;
}
