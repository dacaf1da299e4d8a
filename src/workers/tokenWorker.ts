/**
 * The Datasets page's token worker: builds DS-Chat's view of a tokenizer (the bundled GPT-2 or Llama vocabulary, or a
 * tokenizer.json the user dropped in) with `buildDsChatTokenizer`, and measures rows with `measureBatch`, the code
 * `dschat-studio stats` runs. A newer request supersedes a measurement still running: it is checked between batches.
 */
import {toWorkerFailure, UserError} from "../core/contract/userError.js";
import {describeTokenizer} from "../core/stats/describeTokenizer.js";
import {measureBatch} from "../core/stats/measureBatch.js";
import {buildDsChatTokenizer} from "../core/tokenize/buildDsChatTokenizer.js";
import type {DsChatTokenizer} from "../core/tokenize/dschatTokenizer.js";
import type {TokenizerConfigJson, TokenizerJson} from "../core/tokenize/tokenizerJson.js";
import {MEASURE_STRIDE} from "../core/tokenize/measureRow.js";
import type {TokenReply, TokenRequest} from "./tokenProtocol.js";

const BATCH = 200;
let tokenizer: DsChatTokenizer | null = null;
let latest = 0;

const post = (reply: TokenReply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(reply, transfer);
const yieldToMessages = () => new Promise((resolve) => setTimeout(resolve, 0));

self.onmessage = async (event: MessageEvent<TokenRequest>) => {
  const request = event.data;
  latest = request.id;
  if (request.type === "stop") return;
  try {
    if (request.type === "load") {
      const started = performance.now();
      const {files, modelName} = request;
      const json = files.tokenizer as TokenizerJson;
      if (!json || typeof json !== "object" || !json.model) throw new UserError('is not a Hugging Face tokenizer.json (no "model" key)', {where: {file: files.source}, fix: "Drop the tokenizer.json of a Hugging Face tokenizer."});
      tokenizer = buildDsChatTokenizer(json, files.config as TokenizerConfigJson | null, {modelName, source: files.source});
      post({id: request.id, type: "loaded", report: describeTokenizer(tokenizer, modelName), seconds: (performance.now() - started) / 1000});
      return;
    }
    if (!tokenizer) throw new Error("measure before load");
    const started = performance.now();
    const total = request.partitions.reduce((sum, partition) => sum + partition.rows.length, 0);
    const packed: Int32Array[] = [];
    let done = 0;
    for (const {phase, rows} of request.partitions) {
      const out = new Int32Array(rows.length * MEASURE_STRIDE);
      for (let start = 0; start < rows.length; start += BATCH) {
        out.set(measureBatch(tokenizer, request.limits, phase, rows.slice(start, start + BATCH)), start * MEASURE_STRIDE);
        done += Math.min(BATCH, rows.length - start);
        post({id: request.id, type: "progress", done, total});
        await yieldToMessages();
        if (latest !== request.id) return; // superseded
      }
      packed.push(out);
    }
    post({id: request.id, type: "measured", packed, seconds: (performance.now() - started) / 1000}, packed.map((array) => array.buffer));
  } catch (error) {
    post({id: request.id, type: "error", error: toWorkerFailure(error)});
  }
};
