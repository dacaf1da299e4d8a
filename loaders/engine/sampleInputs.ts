import {resolveAdapter, UnknownFormatError, type Detection, type FormatAdapter} from "../../src/core/formats/index.js";
import {InputError} from "./inputError.js";
import type {InputFile} from "./inputs.js";
import {readRecords} from "./readers/readRecords.js";
import type {RecordItem} from "./readers/recordItem.js";

/** How many parsed records format detection looks at. */
export const SAMPLE_SIZE = 100;

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
 * Reads batches until SAMPLE_SIZE records parsed (or the input ends), then picks the adapter: --format/--map when given,
 * else detection. A shape no format fits becomes an InputError listing the columns found and the closest formats.
 */
export async function chooseAdapter(batches: AsyncGenerator<SourceBatch>, options: {format?: string; map?: string}): Promise<AdapterChoice> {
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
    throw new InputError(
      rows === 0
        ? `${source} holds no records: nothing to convert.`
        : `no row of ${source} could be converted: ${rows} rows read and none is valid JSON or CSV (${firstFailures.join("; ")}).`,
      {file: source}
    );
  }
  try {
    const {adapter, detection} = resolveAdapter(options, sample);
    return {adapter, detection, buffered, sample};
  } catch (error) {
    if (error instanceof UnknownFormatError) throw new InputError(error.message, {file: source, cause: error});
    throw new InputError(`Failed to choose a format for ${source}: ${(error as Error).message}`, {file: source, cause: error});
  }
}
