/** The human view of a stats report (the `--json` document is mapped in loaders/stats/statsJson.ts). */
import type {PartitionStats} from "../../src/core/stats/computeStats.js";
import type {RateEstimate} from "../../src/core/stats/estimateProportion.js";
import type {LengthSummary} from "../../src/core/stats/summarizeLengths.js";
import type {StatsReport} from "../../loaders/stats/runStats.js";

const PHASE_NAMES = {1: "phase 1 (step 1 SFT)", 2: "phase 2 (step 2 reward model)", 3: "phase 3 (step 3 PPO prompts)"} as const;

export function statsText(report: StatsReport): string {
  const {tokenizer: t, settings: s, files} = report;
  const lines = [
    `converted dir  ${report.dir}`,
    `files          train.json ${files.train.rows} rows (${files.train.format}), eval.json ${files.eval.rows} rows (${files.eval.format})` +
      (files.train.missingColumns.length ? `; train.json has no ${files.train.missingColumns.join("/")} column` : ""),
    `tokenizer      measured: ${t.measured} — ${t.description}`,
    `model          ${t.modelName}: DS-Chat's rules for family ${t.family ?? "unknown"}`,
    ...(t.mismatch ? [`WARNING        ${t.mismatch}`] : []),
    `               BOS ${t.bosIds.length ? t.bosIds.join(",") : "none"}; EOS ${JSON.stringify(t.eosToken)} = ${t.eosTokens} token(s); ` +
      `"<|endoftext|>" = ${t.endOfTextTokens} token(s); pad id ${t.padId}${t.addsPadToken ? " ([PAD] added)" : ""}; ` +
      `vocab ${t.vocabSize} → embeddings resized to ${t.resizedVocabSize}`,
    `settings       data_split ${s.dataSplit}, seed ${s.seed}, max_seq_len ${s.maxSeqLen}, max_prompt_seq_len ${s.maxPromptSeqLen}, ` +
      (s.sample === null ? "exact (every row tokenized)" : `sample of ${s.sample} rows (rates with 95% intervals)`) +
      (s.addEotToken ? `, --add_eot_token ${JSON.stringify(s.addEotToken)}` : ""),
    ""
  ];
  for (const partition of report.partitions) lines.push(...formatPartition(partition, s.maxSeqLen, s.maxPromptSeqLen), "");
  lines.push("DS-Chat data cache (train + eval .pt files, int64 ids + masks; every GPU loads its own copy):");
  for (const cache of report.dataCache) {
    lines.push(`  phase ${cache.phase}: ${formatBytes(cache.bytesPerRank)} per GPU, ${formatBytes(cache.bytesPerNode)} host RAM per node at ${cache.gpusPerNode} GPU(s)/node`);
  }
  if (report.trainEvalOverlap.count) lines.push(`eval.json rows also in train.json: ${report.trainEvalOverlap.count} (e.g. ${report.trainEvalOverlap.examples.join(", ")})`);
  return lines.join("\n") + "\n";
}

function formatPartition(p: PartitionStats, maxSeqLen: number, maxPromptSeqLen: number): string[] {
  const head = `${PHASE_NAMES[p.phase]}, ${p.split}: ${p.rows} rows from the split, ${p.skippedNull} skipped (null), ${p.usable} used` +
    (p.exact ? "" : `, ${p.measured} sampled`);
  if (p.rows === 0) return [`${head} — empty: ${emptyConsequence(p)}`];
  const lines = [head, `  tokens           ${"p50".padStart(7)} ${"p90".padStart(7)} ${"p95".padStart(7)} ${"p99".padStart(7)} ${"max".padStart(7)}`];
  const add = (label: string, summary: LengthSummary | null) => {
    if (summary && summary.count) lines.push(`  ${label.padEnd(16)} ${[summary.p50, summary.p90, summary.p95, summary.p99, summary.max].map((q) => String(q.value).padStart(7)).join(" ")}`);
  };
  add("prompt", p.lengths.prompt);
  add("chosen", p.lengths.chosen);
  add("rejected", p.lengths.rejected);
  add(p.phase === 3 ? "prompt + BOS" : p.phase === 1 ? "P&C + EOS" : "P&C + end", p.lengths.full);
  add("P&R + end", p.lengths.fullRejected);
  const rate = (label: string, estimate: RateEstimate | null, examples: string[]) => {
    if (estimate) lines.push(`  ${label.padEnd(34)} ${formatRate(estimate)}${estimate.count && examples.length ? `  e.g. ${examples.slice(0, 3).join(", ")}` : ""}`);
  };
  rate(p.phase === 1 ? `truncated at ${maxSeqLen} (EOS lost)` : `pairs truncated at ${maxSeqLen}`, p.truncated, p.examples.truncated);
  rate(`prompts dropped (> ${maxPromptSeqLen} tokens)`, p.dropped, p.examples.dropped);
  rate("identical pairs (no signal)", p.identicalPairs, p.examples.identicalPairs);
  rate("divergence at token 0 (crash)", p.divergenceAtStart, p.examples.divergenceAtStart);
  rate("pad token inside text", p.padInText, p.examples.padInText);
  const empties = Object.entries(p.emptyStrings).filter(([, count]) => count !== null).map(([field, count]) => `${field} ${count}`);
  lines.push(`  empty strings                      ${empties.join(", ")}`);
  lines.push(`  duplicate rows                     ${p.duplicates.exact} exact, ${p.duplicates.normalized} after whitespace normalisation` +
    (p.duplicates.examples.length ? `  e.g. ${p.duplicates.examples.slice(0, 2).map(([a, b]) => `${a} = ${b}`).join(", ")}` : ""));
  lines.push(`  script mix                         ${Object.entries(p.scriptMix).filter(([, r]) => r.count).map(([name, r]) => `${name} ${percent(r.rate)}`).join(", ") || "—"}`);
  return lines;
}

function emptyConsequence(p: PartitionStats): string {
  if (p.phase === 3 && p.split === "eval") return "step 3 builds this set but never uses it.";
  if (p.split === "eval") return p.phase === 2 ? "DS-Chat's evaluation crashes with ZeroDivisionError (step2 main.py:327)." : "DS-Chat's evaluation crashes with UnboundLocalError (step1 main.py:306).";
  return `step ${p.phase} has nothing to train on.`;
}

export function formatRate(r: RateEstimate): string {
  if (r.exact) return `${r.count} of ${r.total} (${percent(r.rate)})`;
  return `≈${r.count} of ${r.total} (${percent(r.rate)}, 95% CI ${percent(r.low)}–${percent(r.high)}, n=${r.measured})`;
}

function percent(x: number): string {
  return `${(100 * x).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
