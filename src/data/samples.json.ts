import {samplesDocument} from "../../loaders/samples.js";

process.stdout.write(JSON.stringify(samplesDocument()));
