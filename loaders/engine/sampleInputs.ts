import {UserError} from "../../src/core/contract/userError.js";
import {resolveAdapter, UNKNOWN_FORMAT, type Detection, type FormatAdapter} from "../../src/core/formats/index.js";
import type {InputFile} from "./inputs.js";
import {readRecords} from "./readers/readRecords.js";
import {DETECTION_SAMPLE_SIZE, type RecordItem} from "./readers/recordItem.js";

/** How many parsed records format detection looks at, per input file. */
export const SAMPLE_SIZE = DETECTION_SAMPLE_SIZE;

/** One input file's format: forced by --format/--map or detected from the file's own first records. */
export interface FileFormat {
  file: InputFile;
  adapter: FormatAdapter;
  /** What detection found in this file (also with --format/--map, when something fits; null otherwise). */
  detection: Detection | null;
  chosenBy: "detection" | "--format" | "--map" | "no records";
  /** The file's first items as read (parsed or not), up to SAMPLE_SIZE parsed records. */
  items: RecordItem[];
  /** The parsed records among them. */
  sample: unknown[];
}

/** The file's first batches, until SAMPLE_SIZE records parsed or the file ended; the reader is closed after. */
async function sampleFile(file: InputFile): Promise<{items: RecordItem[]; sample: unknown[]}> {
  const items: RecordItem[] = [];
  const sample: unknown[] = [];
  const batches = readRecords(file);
  try {
    while (sample.length < SAMPLE_SIZE) {
      const next = await batches.next();
      if (next.done) break;
      for (const item of next.value) {
        items.push(item);
        if (!("failure" in item) && sample.length < SAMPLE_SIZE) sample.push(item.value);
      }
    }
  } finally {
    await batches.return(undefined);
  }
  return {items, sample};
}

/**
 * Picks each input file's adapter from that file's own first records, so that a folder or a list of files in different
 * formats (a ShareGPT preference file next to a plain ShareGPT one) converts every file in its own format: the one
 * --format/--map named (`forced`, checked before any input was read), else detection. A file whose shape no format fits
 * is a UserError naming it, with the columns found and the closest formats. A file in which no record parses takes the
 * format of the first file that has records (its rows all become rejects anyway); when no file has any, the error says
 * why.
 */
export async function chooseFormats(inputs: readonly InputFile[], forced: FormatAdapter | null, chosenBy: "--format" | "--map" | null): Promise<FileFormat[]> {
  const sampled = [];
  for (const file of inputs) sampled.push({file, ...(await sampleFile(file))});
  const withRecords = sampled.filter(({sample}) => sample.length > 0);
  if (!withRecords.length) {
    const {file, items} = sampled[0];
    const rows = sampled.reduce((sum, {items}) => sum + items.length, 0);
    const failures = items.flatMap((item) => ("failure" in item ? [`${file.source} row ${item.row}: ${item.failure}`] : [])).slice(0, 3);
    const fix = "Pass a file whose records are JSON objects or CSV/TSV rows (see the reasons above, or 'dschat-studio inspect').";
    if (rows === 0) throw new UserError("holds no records: nothing to convert", {where: {file: file.source}, fix: "Pass a file that holds records."});
    throw new UserError(`no row could be converted: ${rows} rows read and none is valid JSON or CSV (${failures.join("; ")})`, {where: {file: file.source}, fix});
  }
  const resolved = new Map<InputFile, {adapter: FormatAdapter; detection: Detection | null}>();
  for (const {file, sample} of withRecords) {
    try {
      resolved.set(file, resolveAdapter({}, sample, forced));
    } catch (error) {
      throw error instanceof UserError && error.code === UNKNOWN_FORMAT ? error.at({file: file.source}) : error;
    }
  }
  const fallback = resolved.get(withRecords[0].file)!.adapter;
  return sampled.map(({file, items, sample}) => {
    const choice = resolved.get(file);
    return {
      file,
      items,
      sample,
      adapter: choice?.adapter ?? fallback,
      detection: choice?.detection ?? null,
      chosenBy: chosenBy ?? (choice ? "detection" : "no records")
    };
  });
}
