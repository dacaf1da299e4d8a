// Observable Framework configuration. Everything here must work with no network: see README "Offline build".
import {convertedDatasetPaths} from "./loaders/datasets.js";

export default {
  root: "src",
  title: "dschat-studio",
  pages: [
    {name: "Datasets", path: "/datasets"},
    {name: "Config", path: "/config"},
    {name: "Runs", path: "/runs"}
  ],
  // The default theme links Google Fonts; the studio must make no request outside its own origin.
  globalStylesheets: [],
  theme: ["air", "near-midnight"],
  // duckdb-wasm's parquet/json extensions are downloaded at run time from the extension CDN, which an offline
  // build or an air-gapped user cannot reach. Pages read Arrow IPC streams instead; Node does Parquet/JSON natively.
  duckdb: {extensions: {json: null, parquet: null}},
  search: false,
  // `npm run build` writes the rows of every dataset the cache holds (the Datasets page lists them); `npm start` serves
  // any of them on request from src/data/converted/[key].arrow.ts.
  async *dynamicPaths() {
    yield* await convertedDatasetPaths();
  },
  footer: "dschat-studio — data, configs and runs for DeepSpeed-Chat.",
  head: '<link rel="icon" href="data:,">'
};
