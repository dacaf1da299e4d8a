import {html} from "npm:htl";

/** How long a clicked link's object URL lives: long enough for the browser to start the download, then it is revoked. */
const URL_LIFETIME_MS = 60_000;

/**
 * A link that saves `text` as `filename`, built in the page: nothing is uploaded anywhere. The object URL is made when
 * the link is clicked and revoked a minute later, so a page that re-renders the link on every input change keeps no
 * blob alive.
 */
export function DownloadLink(text: string, {filename = "download.txt", type = "text/plain"} = {}) {
  const link = html`<a class="download" href="#" download=${filename}>${filename}</a>` as HTMLAnchorElement;
  link.addEventListener("click", () => {
    const url = URL.createObjectURL(new Blob([text], {type}));
    link.href = url;
    setTimeout(() => {
      URL.revokeObjectURL(url);
      if (link.href === url) link.href = "#";
    }, URL_LIFETIME_MS);
  });
  return link;
}
