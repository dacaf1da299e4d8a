// Worker threads do not inherit the tsx loader the CLI registers in-process, so each worker registers it before
// importing the TypeScript worker module.
import {register} from "tsx/esm/api";

register();
await import("./measureWorker.ts");
