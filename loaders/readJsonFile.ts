/**
 * Reads a JSON file a user named: a regular file of at most `maxBytes` (loaders/fs/regularFile.ts), else a UserError
 * naming it and the option it came from; invalid JSON likewise.
 */
import {UserError, type ErrorLocation} from "../src/core/contract/userError.js";
import {JSON_OPTION_MAX_BYTES, readRegularTextSync} from "./fs/regularFile.js";

export function readJsonFile(path: string, {option, what, maxBytes = JSON_OPTION_MAX_BYTES}: {option?: string; what: string; maxBytes?: number}): unknown {
  const where: ErrorLocation = {file: path, ...(option && {option})};
  const text = readRegularTextSync(path, {maxBytes, option, what, role: option ? "option" : "input"});
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserError(`is not valid JSON (${(error as Error).message})`, {where, fix: `Pass ${what}.`, cause: error});
  }
}
