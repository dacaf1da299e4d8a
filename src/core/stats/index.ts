export * from "./estimateProportion.js";
export * from "./summarizeLengths.js";
export * from "./textFacts.js";
export * from "./computeStats.js";
