import {html} from "npm:htl";

/** A link that saves `text` as `filename`, built in the page: nothing is uploaded anywhere. */
export function DownloadLink(text: string, {filename = "download.txt", type = "text/plain"} = {}) {
  const href = URL.createObjectURL(new Blob([text], {type}));
  return html`<a class="download" href=${href} download=${filename}>${filename}</a>`;
}
