// The record types moved to src/core/records (the browser's upload worker reads with the same rules).
export * from "../../../src/core/records/recordItem.js";
