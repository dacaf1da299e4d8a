import {sampleFileBytes} from "../../../loaders/samples.js";

// The shipped sample as the file it is (gzip JSON Lines): the Datasets page reads it in its upload worker.
process.stdout.write(await sampleFileBytes("hh-rlhf-harmless-base"));
