import {UserError} from "../../../src/core/contract/userError.js";
import {openRegularFile} from "../../fs/regularFile.js";
import {gunzipSample} from "./gzipMembers.js";
import {binaryKind, classifyText, type FileSniff, isGzip, SNIFF_BYTES} from "../../../src/core/records/classifyFile.js";

export type {FileSniff} from "../../../src/core/records/classifyFile.js";

const SAMPLE_BYTES = SNIFF_BYTES;

/**
 * Decides how to read a file from its first bytes: gzip, Parquet and Arrow by magic number; CSV/TSV and plain text by
 * name (their content has no signature; a .txt whose first lines are JSON objects is JSON Lines); everything else must
 * be JSON, and `[` versus `{` plus a trial parse of the first lines tells one array from JSON Lines, whatever the
 * extension says. Only a regular file is opened (without blocking), and text that is UTF-16 or UTF-32 is named as such.
 */
export async function sniffFile(path: string, source: string): Promise<FileSniff> {
  const {handle, stats} = await openRegularFile(path, {shown: source, what: "a dataset file"});
  let head: Buffer;
  const size = stats.size;
  try {
    // One byte more than a zero size claims: files under /proc and /sys report 0 bytes and still hold text.
    const buffer = Buffer.alloc(Math.max(1, Math.min(SAMPLE_BYTES, size)));
    const {bytesRead} = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (size === 0 && head.length > 0) {
    throw new UserError("reports a size of 0 bytes but is not empty: a virtual file (such as those under /proc or /sys) whose size the system does not know", {
      where: {file: source},
      fix: "Copy it to a regular file first (e.g. 'cat FILE > data.jsonl') and pass that file."
    });
  }
  if (size === 0) throw new UserError("is empty (0 bytes)", {where: {file: source}, fix: "Pass a file that holds records."});
  const binary = binaryKind(head);
  if (binary) return {kind: binary, gzip: false};
  const gzip = isGzip(head);
  const text = gzip ? await gunzipHead(head, source) : head;
  return classifyText({source, size, headBytes: head.length, gzip, bytes: text});
}

/** The decompressed start of a gzip file's first bytes (bounded; bytes after the last member are left out here too). */
async function gunzipHead(head: Buffer, source: string): Promise<Buffer> {
  try {
    return await gunzipSample(head, SAMPLE_BYTES);
  } catch (error) {
    throw new UserError(`starts like gzip but does not decompress: ${(error as Error).message}`, {where: {file: source, byte: 0}, fix: "Download the file again, or check it with 'gzip -t'.", cause: error});
  }
}
