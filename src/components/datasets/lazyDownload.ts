import {html} from "npm:htl";

/** How long a clicked link's object URL lives before it is revoked. */
const URL_LIFETIME_MS = 60_000;

/**
 * A link that saves a file built in the page when it is clicked (train.json of 100,000 rows is built on demand, not
 * on every filter change). Nothing is uploaded: the bytes go from the page to a Blob to the browser's download.
 */
export function LazyDownloadLink(build: () => Promise<string>, {filename, type = "application/json", id = ""}: {filename: string; type?: string; id?: string}) {
  const link = html`<a class="download" href="#" download=${filename}>${filename}</a>` as HTMLAnchorElement;
  if (id) link.id = id;
  let ready = false;
  link.addEventListener("click", async (event) => {
    if (ready) {
      ready = false;
      return; // the second, programmatic click: let the browser save the blob
    }
    event.preventDefault();
    link.classList.add("building");
    try {
      const url = URL.createObjectURL(new Blob([await build()], {type}));
      link.href = url;
      ready = true;
      link.click();
      setTimeout(() => {
        URL.revokeObjectURL(url);
        if (link.href === url) link.href = "#";
      }, URL_LIFETIME_MS);
    } finally {
      link.classList.remove("building");
    }
  });
  return link;
}
