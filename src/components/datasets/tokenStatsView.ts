import * as Plot from "npm:@observablehq/plot";
import {html} from "npm:htl";
import type {PartitionStats} from "../../core/stats/computeStats.js";
import type {TokenizerReport} from "../../core/stats/describeTokenizer.js";
import type {SequenceLimits} from "../../core/tokenize/measureRow.js";

const format = (n: number) => n.toLocaleString("en-US");
const percent = (rate: number) => `${(100 * rate).toFixed(rate < 0.01 && rate > 0 ? 2 : 1)}%`;

/** Per step (train partition, the one DS-Chat trains on): how many rows its length limit cuts, and the lengths. */
export function TokenStatsView(partitions: readonly PartitionStats[], limits: SequenceLimits, tokenizer: TokenizerReport, {width = 900, sampled = false} = {}) {
  const train = partitions.filter((p) => p.split === "train");
  const rows = train.map((p) => {
    const cut = p.phase === 3 ? p.dropped : p.truncated;
    return html`<tr data-step=${p.phase}>
      <td>step ${p.phase}</td>
      <td>${format(p.usable)}</td>
      <td>${p.phase === 3 ? `max_prompt_seq_len ${limits.maxPromptSeqLen}` : `max_seq_len ${limits.maxSeqLen}`}</td>
      <td class="cut-count">${cut ? `${p.exact ? "" : "≈ "}${format(cut.count)} ${p.phase === 3 ? "dropped" : "truncated"} (${p.exact ? percent(cut.rate) : `${percent(cut.low)}–${percent(cut.high)}`})` : "—"}</td>
      <td>${format(p.lengths.full.p50.value)} / ${format(p.lengths.full.p95.value)} / ${format(p.lengths.full.max.value)}</td>
      <td>${p.identicalPairs ? format(p.identicalPairs.count) : "—"}</td>
      <td>${p.divergenceAtStart ? format(p.divergenceAtStart.count) : "—"}</td>
    </tr>`;
  });
  const charts = train
    .filter((p) => p.lengths.full.count > 0)
    .map((p) => {
      const cutoff = p.phase === 3 ? limits.maxPromptSeqLen : limits.maxSeqLen;
      const {binWidth, counts} = p.lengths.full.histogram;
      const bins = counts.map((count, k) => ({x0: k * binWidth, x1: (k + 1) * binWidth, count, cut: k * binWidth > cutoff}));
      return Plot.plot({
        width: Math.max(240, Math.floor(width / Math.max(1, train.length)) - 12),
        height: 180,
        marginLeft: 44,
        title: `step ${p.phase}: ${p.phase === 3 ? "prompt" : "sequence"} tokens`,
        x: {label: "tokens →"},
        y: {label: "↑ rows", grid: true},
        color: {domain: [false, true], range: ["#3b82f6", "#ef4444"]},
        marks: [
          Plot.rectY(bins, {x1: "x0", x2: "x1", y: "count", fill: "cut"}),
          Plot.ruleX([cutoff], {stroke: "currentColor", strokeWidth: 2, strokeDasharray: "4,3"}),
          Plot.text([cutoff], {x: (d: number) => d, frameAnchor: "top", text: () => (p.phase === 3 ? "max_prompt_seq_len" : "max_seq_len"), dx: 4, textAnchor: "start"}),
          Plot.ruleY([0])
        ]
      });
    });
  return html`<div id="token-stats">
    ${sampled ? html`<p>Measured on a seeded sample of the rows (as <code>dschat-studio stats --sample</code>): counts are estimates with their 95% intervals.</p>` : ""}
    <p>${tokenizer.description}. End of a step-1 sequence: <code>${tokenizer.eosToken}</code> (${tokenizer.eosTokens} token${tokenizer.eosTokens === 1 ? "" : "s"}); step 2 appends <code>&lt;|endoftext|&gt;</code> (${tokenizer.endOfTextTokens} token${tokenizer.endOfTextTokens === 1 ? "" : "s"}).</p>
    <table class="token-stats"><thead><tr><th>Step</th><th>rows</th><th>limit</th><th>cut</th><th>tokens p50 / p95 / max</th><th>identical pairs</th><th>differ at token 0</th></tr></thead><tbody>${rows}</tbody></table>
    <div class="token-histograms">${charts}</div>
  </div>`;
}
