// The record types and limits live in src/core/records (the browser's upload worker reads with the same rules).
export * from "../../../src/core/records/recordItem.js";
