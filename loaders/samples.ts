import {readFile} from "node:fs/promises";
import {basename} from "node:path";
import {fileURLToPath} from "node:url";
import {versioned} from "../src/core/contract/schemaVersions.js";
import {convertToArrowStream} from "./engine/canonicalArrow.js";

/** A real dataset shipped in `data/samples/`, with what a user must know before reading it. */
export interface Sample {
  name: string;
  title: string;
  path: string;
  licence: string;
  attribution: string;
  content_warning: string | null;
}

export const samples: Record<string, Sample> = {
  "hh-rlhf-harmless-base": {
    name: "hh-rlhf-harmless-base",
    title: "Anthropic hh-rlhf, harmless-base test split",
    path: fileURLToPath(new URL("../data/samples/hh-rlhf-harmless-base/test.jsonl.gz", import.meta.url)),
    licence: "MIT",
    attribution: "anthropics/hh-rlhf (Bai et al. 2022, arXiv:2204.05862)",
    content_warning:
      "Red-team data: contains offensive, harmful and upsetting text by design. It is shown because it is the real shape of DS-Chat step-2 preference data."
  }
};

export function getSample(name: string): Sample {
  const sample = samples[name];
  if (!sample) throw new RangeError(`unknown sample '${name}'; shipped samples: ${Object.keys(samples).join(", ")}`);
  return sample;
}

/** `src/data/samples.json` (schemas/samples.schema.json): the shipped samples without their local paths. */
export function samplesDocument() {
  return versioned("samples", {samples: Object.values(samples).map(({path, ...sample}) => ({name: sample.name, title: sample.title, file_name: basename(path), licence: sample.licence, attribution: sample.attribution, content_warning: sample.content_warning}))});
}

/** The sample file's bytes as shipped, for the Datasets page to read in the browser like an upload. */
export async function sampleFileBytes(name: string): Promise<Uint8Array> {
  return readFile(getSample(name).path);
}

/**
 * The sample converted by the dataset engine (hh-rlhf transcripts → DS-Chat prompt/chosen/rejected), as the canonical
 * Arrow IPC stream a page queries in DuckDB-wasm. Cached by content hash under data/cache like any conversion.
 */
export async function sampleArrowStream(name: string): Promise<Uint8Array> {
  return convertToArrowStream([getSample(name).path]);
}
