export * from "./tokenizerRules.js";
export * from "./tokenizerJson.js";
export * from "./dschatTokenizer.js";
export * from "./measureRow.js";
export * from "./buildDsChatTokenizer.js";
export * from "./byteLevelBpeJson.js";
export * from "./byteLevelBpeEncoder.js";
export * from "./portableTokenizer.js";
