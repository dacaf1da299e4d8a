// The seeded eval draw moved to src/core/split (the Datasets page draws the same rows in the browser).
export {createEvalSelector} from "../../src/core/split/evalSplit.js";
