/** Reads a JSON file a user named; an unreadable or invalid file is a UserError naming it (and the option it came from). */
import {readFileSync} from "node:fs";
import {UserError, type ErrorLocation} from "../src/core/contract/userError.js";

export function readJsonFile(path: string, {option, what}: {option?: string; what: string}): unknown {
  const where: ErrorLocation = {file: path, ...(option && {option})};
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UserError(`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {where, fix: `Pass the path of ${what}.`, cause: error});
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserError(`is not valid JSON (${(error as Error).message})`, {where, fix: `Pass ${what}.`, cause: error});
  }
}
