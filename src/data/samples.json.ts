import {samples} from "../../loaders/samples.js";

const {path: _path, ...rest} = samples["hh-rlhf-harmless-base"];
process.stdout.write(JSON.stringify([rest]));
