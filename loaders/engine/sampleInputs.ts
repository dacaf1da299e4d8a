import {UserError} from "../../src/core/contract/userError.js";
import {resolveAdapter, UNKNOWN_FORMAT, type Detection, type FormatAdapter} from "../../src/core/formats/index.js";
import type {InputFile} from "./inputs.js";
import {readRecords} from "./readers/readRecords.js";
import {DETECTION_SAMPLE_SIZE, type RecordItem} from "./readers/recordItem.js";

/** How many parsed records format detection looks at. */
export const SAMPLE_SIZE = DETECTION_SAMPLE_SIZE;

export interface SourceBatch {
  file: InputFile;
  items: RecordItem[];
}

/** Every input's record batches, file after file. */
export async function* readAllBatches(inputs: readonly InputFile[], onBytes?: (bytes: number) => void): AsyncGenerator<SourceBatch> {
  for (const file of inputs) {
    for await (const items of readRecords(file, {onBytes})) yield {file, items};
  }
}

export interface AdapterChoice {
  adapter: FormatAdapter;
  detection: Detection | null;
  /** The batches read to build the sample; process them before continuing with the generator. */
  buffered: SourceBatch[];
  sample: unknown[];
}

/**
 * Reads batches until SAMPLE_SIZE records parsed (or the input ends), then picks the adapter: the one --format/--map
 * named (`forced`, checked by the caller before any input was read), else detection. A shape no format fits is a
 * UserError listing the columns found and the closest formats; any other error is a bug and passes through.
 */
export async function chooseAdapter(batches: AsyncGenerator<SourceBatch>, forced: FormatAdapter | null): Promise<AdapterChoice> {
  const buffered: SourceBatch[] = [];
  const sample: unknown[] = [];
  const firstFailures: string[] = [];
  while (sample.length < SAMPLE_SIZE) {
    const next = await batches.next();
    if (next.done) break;
    buffered.push(next.value);
    for (const item of next.value.items) {
      if ("failure" in item) {
        if (firstFailures.length < 3) firstFailures.push(`${next.value.file.source} row ${item.row}: ${item.failure}`);
      } else if (sample.length < SAMPLE_SIZE) sample.push(item.value);
    }
  }
  const source = buffered[0]?.file.source ?? "(input)";
  if (sample.length === 0) {
    const rows = buffered.reduce((sum, batch) => sum + batch.items.length, 0);
    const fix = "Pass a file whose records are JSON objects or CSV/TSV rows (see the reasons above, or 'dschat-studio inspect').";
    if (rows === 0) throw new UserError("holds no records: nothing to convert", {where: {file: source}, fix: "Pass a file that holds records."});
    throw new UserError(`no row could be converted: ${rows} rows read and none is valid JSON or CSV (${firstFailures.join("; ")})`, {where: {file: source}, fix});
  }
  try {
    const {adapter, detection} = resolveAdapter({}, sample, forced);
    return {adapter, detection, buffered, sample};
  } catch (error) {
    throw error instanceof UserError && error.code === UNKNOWN_FORMAT ? error.at({file: source}) : error;
  }
}
