import {open} from "node:fs/promises";
import {constants, gunzipSync} from "node:zlib";
import {UserError} from "../../../src/core/contract/userError.js";
import {binaryKind, classifyText, type FileSniff, isGzip, SNIFF_BYTES} from "../../../src/core/records/classifyFile.js";

export type {FileSniff} from "../../../src/core/records/classifyFile.js";

/**
 * Decides how to read a file from its first bytes (the rules: src/core/records/classifyFile.ts): reads the head,
 * gunzips it when it is gzip, and classifies.
 */
export async function sniffFile(path: string, source: string): Promise<FileSniff> {
  const handle = await open(path, "r");
  let head: Buffer;
  let size: number;
  try {
    size = (await handle.stat()).size;
    const buffer = Buffer.alloc(Math.min(SNIFF_BYTES, size));
    const {bytesRead} = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (size === 0) throw new UserError("is empty (0 bytes)", {where: {file: source}, fix: "Pass a file that holds records."});
  const binary = binaryKind(head);
  if (binary) return {kind: binary, gzip: false};
  const gzip = isGzip(head);
  let text: Buffer = head;
  if (gzip) {
    try {
      // Sync flush decodes as much as the sample holds instead of failing on the cut-off end.
      text = gunzipSync(head, {finishFlush: constants.Z_SYNC_FLUSH}).subarray(0, SNIFF_BYTES);
    } catch (error) {
      throw new UserError(`starts like gzip but does not decompress: ${(error as Error).message}`, {where: {file: source, byte: 0}, fix: "Download the file again, or check it with 'gzip -t'.", cause: error});
    }
  }
  const isWholeFile = gzip ? text.length < SNIFF_BYTES : size <= SNIFF_BYTES;
  return classifyText({source, size, headBytes: head.length, gzip, text: text.toString("utf8"), isWholeFile});
}
