import {sampleArrowStream} from "../../loaders/samples.js";

process.stdout.write(await sampleArrowStream("hh-rlhf-harmless-base"));
