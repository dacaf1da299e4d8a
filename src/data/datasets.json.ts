import {listConvertedDatasets} from "../../loaders/datasets.js";

process.stdout.write(JSON.stringify(await listConvertedDatasets()));
