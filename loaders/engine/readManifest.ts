/**
 * The one Node-side reader of `manifest.json`: reads the file and checks it with `parseManifest` (the typed contract in
 * src/core/contract/manifest.ts), so every caller gets a `Manifest` or a UserError naming the file and the field.
 */
import {existsSync} from "node:fs";
import {join} from "node:path";
import {MANIFEST_FILE, parseManifest, type Manifest} from "../../src/core/contract/manifest.js";
import {locate, UserError} from "../../src/core/contract/userError.js";
import {JSON_OPTION_MAX_BYTES, readRegularTextSync} from "../fs/regularFile.js";

const FIX = "Run 'dschat-studio convert' again to rewrite it (or delete manifest.json: train.json and eval.json do not need it).";

/** The manifest of a converted folder or cache entry; null when the folder has none and `required` is false. */
export function readManifest(dir: string, {required = true}: {required?: boolean} = {}): Manifest | null {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) {
    if (!required) return null;
    throw new UserError(`has no ${MANIFEST_FILE}`, {where: {file: dir}, fix: `Pass a folder written by 'dschat-studio convert --out ${dir}'.`});
  }
  const text = readRegularTextSync(path, {maxBytes: JSON_OPTION_MAX_BYTES, what: "the manifest.json 'dschat-studio convert' writes"});
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`is not valid JSON (${(error as Error).message})`, {where: {file: path}, fix: FIX, cause: error});
  }
  return locate({file: path}, () => parseManifest(json));
}
