/** One batch of rows measured for one phase: the work each stats worker does, also run inline for single-threaded use. */
import type {LocalJsonRow, Phase} from "../../src/core/canonical.js";
import {phaseScript} from "../../src/core/stats/textFacts.js";
import type {DsChatTokenizer} from "../../src/core/tokenize/dschatTokenizer.js";
import {localJsonStrings} from "../../src/core/formats/toLocalJsonRow.js";
import {MEASURE_STRIDE, measureRow, packRowMeasure, type SequenceLimits} from "../../src/core/tokenize/measureRow.js";

export function measureBatch(tokenizer: DsChatTokenizer, limits: SequenceLimits, phase: Phase, rows: readonly LocalJsonRow[]): Int32Array {
  const packed = new Int32Array(rows.length * MEASURE_STRIDE);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    packRowMeasure(measureRow(localJsonStrings(row), phase, tokenizer, limits), phaseScript(row, phase), packed, i * MEASURE_STRIDE);
  }
  return packed;
}
