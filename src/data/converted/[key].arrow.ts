import {parseArgs} from "node:util";
import {convertedArrowStream} from "../../../loaders/datasets.js";

// /data/converted/<cache key>.arrow: a converted dataset's canonical rows (Arrow IPC stream), for the Datasets and
// Config pages. Under `npm start` any key is served on request; `npm run build` writes the ones listed (dynamicPaths).
const {values} = parseArgs({options: {key: {type: "string"}}});
process.stdout.write(await convertedArrowStream(values.key ?? ""));
