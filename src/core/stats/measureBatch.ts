/**
 * One batch of rows measured for one phase: the work each stats worker does (Node worker threads, the Datasets page's
 * Web Worker), also run inline for single-threaded use. Isomorphic: no Node or DOM imports.
 */
import type {LocalJsonRow, Phase} from "../canonical.js";
import {phaseScript} from "./textFacts.js";
import type {DsChatTokenizer} from "../tokenize/dschatTokenizer.js";
import {localJsonStrings} from "../formats/toLocalJsonRow.js";
import {MEASURE_STRIDE, measureRow, packRowMeasure, type SequenceLimits} from "../tokenize/measureRow.js";

export function measureBatch(tokenizer: DsChatTokenizer, limits: SequenceLimits, phase: Phase, rows: readonly LocalJsonRow[]): Int32Array {
  const packed = new Int32Array(rows.length * MEASURE_STRIDE);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    packRowMeasure(measureRow(localJsonStrings(row), phase, tokenizer, limits), phaseScript(row, phase), packed, i * MEASURE_STRIDE);
  }
  return packed;
}
