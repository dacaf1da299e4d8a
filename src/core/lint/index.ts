export * from "./lintContext.js";
export * from "./datasetFacts.js";
export {datasetRules} from "./datasetRules.js";
export {planRules} from "./planRules.js";
export {dschatIssueRules} from "./dschatIssueRules.js";
export {lint, lintRules, hasErrors} from "./lint.js";
export * from "./planFacts.js";
