import assert from "node:assert/strict";
import {after, before, describe, it} from "node:test";
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {Page} from "playwright-core";
import {normalizePlan} from "../../src/core/plan/normalizePlan.js";
import {samples} from "../../loaders/samples.js";
import {json, runCli} from "../helpers/cli.js";
import {assertMatchesSchema} from "../helpers/schemas.js";
import {ensureBuilt, externalRequests, openBrowser, openPage, startPreview, type Session} from "./harness.js";

const number = (text: string | null) => Number((text ?? "").replace(/[^\d.]/g, ""));

/** The page's findings: [severity, rule, text] of each item (FindingsList), or the "No findings" paragraph's text. */
const pageFindings = (page: Page) =>
  page.$eval("#findings", (element) =>
    element.tagName === "UL"
      ? [...element.querySelectorAll("li")].map((li) => [li.className.replace("finding-", ""), li.querySelector("code")?.textContent ?? "", li.textContent ?? ""])
      : [["none", "", element.textContent ?? ""]]
  );

async function downloadPlan(page: Page): Promise<any> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("a[download='plan.json']")]);
  const path = await download.path();
  assert.ok(path, "the download was saved");
  return JSON.parse(readFileSync(path, "utf8"));
}

/** Waits until the findings list shows (or no longer shows) a rule. */
const waitForRule = (page: Page, rule: string, present = true) =>
  page.waitForFunction(
    ([rule, present]) => [...document.querySelectorAll("#findings code")].some((code) => code.textContent === rule) === present,
    [rule, present] as const,
    {timeout: 60_000}
  );

const work = mkdtempSync(join(tmpdir(), "dschat-config-e2e-"));

after(() => rmSync(work, {recursive: true, force: true}));

describe("/config page", () => {
  let session: Session;

  before(async () => {
    // Settled when the estimate, the chart, the generated config and the findings are on the page.
    session = await openPage(
      "/config",
      () =>
        Number(document.querySelector("#reserved-gib")?.textContent) > 0 &&
        Boolean(document.querySelector("#ds-config")?.textContent?.includes("zero_optimization")) &&
        document.querySelectorAll("svg rect").length > 0 &&
        Boolean(document.querySelector("#findings"))
    );
  });

  after(() => session?.close());

  it("starts from the plan command's defaults: its plan.json is `plan --model … --data <the sample>`'s", async () => {
    // The shipped sample, converted by the CLI into the same content-keyed cache entry the page lists first.
    const sample = join(work, "sample");
    assert.equal((await runCli(["convert", samples["hh-rlhf-harmless-base"].path, "--out", sample, "--json"])).code, 0);
    const cli = json<{plan: any}>(await runCli(["plan", "--model", "facebook/opt-1.3b", "--data", sample, "--json"]), "plan-report").plan;
    const page = await downloadPlan(session.page);
    assert.deepEqual(page.steps, cli.steps);
    assert.deepEqual(page.step1, cli.step1, "every step-1 argument, data_path local/jsonfile included");
    assert.deepEqual(page.infrastructure, cli.infrastructure, "instance type ml.g5.2xlarge, 1 node, the instance type's GPUs");
    assert.deepEqual(page.dataset, cli.dataset, "the dataset recorded as plan --data records it");
    assert.deepEqual(page.versions, cli.versions);
    const config = JSON.parse((await session.page.textContent("#ds-config")) ?? "{}");
    assert.equal(config["1"].train_micro_batch_size_per_gpu, 16, "DS-Chat's default per-device batch");
    assert.equal(config["1"].train_batch_size, 16, "1 × A10G on ml.g5.2xlarge");
    assert.match((await session.page.textContent("#command")) ?? "", /^deepspeed --num_gpus 1 training\/step1_supervised_finetuning\/main\.py .*--data_path local\/jsonfile .*--model_name_or_path facebook\/opt-1\.3b/);
  });

  it("shows a plan that does not fit the instance type as the does-not-fit error, which a larger GPU clears", async () => {
    const {page} = session;
    await waitForRule(page, "does-not-fit");
    const findings = await pageFindings(page);
    const fit = findings.find(([, rule]) => rule === "does-not-fit")!;
    assert.equal(fit[0], "error");
    assert.match(fit[2], /step 1 needs about [\d.]+ GiB per GPU at its peak .* A10G has 22\.5 GiB/);
    assert.ok(findings.every(([, , text]) => !text.includes("No findings")));
    assert.match((await page.textContent("h2:has-text('Findings')")) ?? "", /Findings \([1-9]\d* errors?\)/);
    await page.selectOption("#instance-type select", {label: "ml.p4de.24xlarge"});
    await waitForRule(page, "does-not-fit", false);
    await page.selectOption("#instance-type select", {label: "ml.g5.2xlarge"});
    await waitForRule(page, "does-not-fit");
  });

  it("lowers the estimate and changes the ds_config shown when ZeRO goes from 0 to 3 on 4 GPUs", async () => {
    await session.page.selectOption("#instance-type select", {label: "ml.g5.12xlarge"});
    await session.page.waitForFunction(() => document.querySelector("#command")?.textContent?.startsWith("deepspeed --num_gpus 4 "), null, {timeout: 30_000});
    const before = number(await session.page.textContent("#reserved-gib"));
    await session.page.selectOption("#zero-stage select", {label: "3"});
    await session.page.waitForFunction(() => document.querySelector("#ds-config")?.textContent?.includes('"stage": 3'), null, {timeout: 30_000});
    const after = number(await session.page.textContent("#reserved-gib"));
    assert.ok(after < before, `ZeRO-3 estimate ${after} GiB should be below ZeRO-0's ${before} GiB`);
    assert.match((await session.page.textContent("#command")) ?? "", /--zero_stage 3/);
  });

  it("has the controls of a runnable plan (GPUs, nodes, epochs, learning rate, output_dir, data_path) in the plan.json that plan --from reads", async () => {
    const {page} = session;
    await page.selectOption("#instance-type select", {label: "ml.g5.12xlarge"});
    await page.selectOption("#gpus-per-node select", {label: "2"});
    await page.locator("#nodes input[type=number]").fill("3");
    await page.locator("#nodes input[type=number]").dispatchEvent("input");
    await page.locator("#epochs input[type=number]").fill("4");
    await page.locator("#epochs input[type=number]").dispatchEvent("input");
    await page.locator("#learning-rates input").first().fill("0.0002");
    await page.locator("#learning-rates input").first().dispatchEvent("input");
    await page.locator("#output-dir input").fill("/opt/ml/model/actor");
    await page.locator("#output-dir input").dispatchEvent("input");
    await page.selectOption("#dataset select", {index: (await page.locator("#dataset option").count()) - 1});
    await page.locator("#data-path input").fill("Dahoas/full-hh-rlhf Dahoas/synthetic-instruct-gptj-pairwise");
    await page.locator("#data-path input").dispatchEvent("input");
    await page.waitForFunction(() => document.querySelector("#command")?.textContent?.includes("--data_path Dahoas/full-hh-rlhf"), null, {timeout: 30_000});
    const command = (await page.textContent("#command")) ?? "";
    assert.match(command, /^deepspeed --num_nodes 3 --num_gpus 2 training\/step1_supervised_finetuning\/main\.py /);
    assert.match(command, /--num_train_epochs 4/);
    assert.match(command, /--learning_rate (0\.0002|2e-4) /);
    assert.match(command, /--output_dir \/opt\/ml\/model\/actor/);
    const plan = await downloadPlan(page);
    assertMatchesSchema("plan", plan);
    assert.deepEqual(plan.infrastructure, {instance_type: "ml.g5.12xlarge", instance_count: 3, gpus_per_node: 2, spot: false, max_runtime_hours: 24});
    assert.equal(plan.step1.num_train_epochs, 4);
    assert.equal(plan.step1.learning_rate, 0.0002);
    assert.equal(plan.step1.output_dir, "/opt/ml/model/actor");
    assert.deepEqual(plan.step1.data_path, ["Dahoas/full-hh-rlhf", "Dahoas/synthetic-instruct-gptj-pairwise"]);
    assert.equal(plan.dataset, null, "no converted dataset recorded for other data");
    assert.deepEqual(normalizePlan(plan), plan, "the same plan, as --from and lint --plan read it");
    const path = join(work, "controls-plan.json");
    writeFileSync(path, JSON.stringify(plan));
    const cli = json<{memory: {world_size: number}; plan: unknown}>(await runCli(["plan", "--from", path, "--json"]), "plan-report");
    assert.equal(cli.memory.world_size, 6, "2 GPUs × 3 nodes");
    assert.deepEqual(cli.plan, plan);
    const href = await page.getAttribute("a[download='plan.json']", "href");
    assert.match(href ?? "", /^blob:/, "the object URL is made on click (and revoked a minute later)");
  });

  it("makes no request outside 127.0.0.1 and raises no page error", () => {
    assert.deepEqual(externalRequests(session.requests), []);
    assert.deepEqual(session.errors, []);
  });
});

describe("/config under npm start with SFT-only data: step 2 is the sft-only-in-phase-2 error, as lint --plan says", () => {
  const cache = join(work, "cache");
  const identity = join(work, "identity");
  let preview: Awaited<ReturnType<typeof startPreview>>;
  let session: Session;

  before(async () => {
    ensureBuilt(); // fills the npm cache preview serves from
    // LLaMA-Factory's identity.json: alpaca rows, a prompt and an answer, no rejected answer.
    const convert = await runCli(["convert", "test/fixtures/llama-factory/identity.json", "--out", identity, "--json"], {env: {DSCHAT_STUDIO_CACHE: cache}});
    assert.deepEqual(json<{phase_rows: Record<string, number>}>(convert, "convert").phase_rows, {"1": 91, "2": 0, "3": 91});
    preview = await startPreview({DSCHAT_STUDIO_CACHE: cache});
    session = await openBrowser();
    await session.page.goto(`${preview.url}/config`);
    await session.page.waitForFunction(() => Number(document.querySelector("#reserved-gib")?.textContent) > 0 && Boolean(document.querySelector("#findings")), null, {timeout: 120_000});
  });

  after(async () => {
    await session?.close();
    await preview?.close();
  });

  it("lists the error for step 2 on the converted SFT-only dataset, and the same error rules as `lint <dir> --plan plan.json`", async () => {
    const {page} = session;
    const value = await page.$$eval("#dataset option", (options) => options.find((option) => option.textContent?.startsWith("identity.json"))?.getAttribute("value"));
    assert.ok(value, "the converted dataset is listed");
    await page.selectOption("#dataset select", value!);
    await page.locator("#step label", {hasText: "step 2"}).click();
    await waitForRule(page, "sft-only-in-phase-2");
    const findings = await pageFindings(page);
    const sftOnly = findings.find(([, rule]) => rule === "sft-only-in-phase-2")!;
    assert.equal(sftOnly[0], "error");
    assert.match(sftOnly[2], /all \d+ rows lack prompt\/chosen\/rejected \(SFT-only data\)/);
    assert.ok(findings.every(([, , text]) => !text.includes("No findings")));

    const plan = await downloadPlan(page);
    assert.deepEqual(plan.steps, [2]);
    assert.deepEqual(plan.step2.data_path, ["local/jsonfile"]);
    const path = join(work, "sft-plan.json");
    writeFileSync(path, JSON.stringify(plan));
    const lint = await runCli(["lint", identity, "--plan", path, "--json"], {env: {DSCHAT_STUDIO_CACHE: cache}});
    assert.equal(lint.code, 4, "the CLI exits 4: DS-Chat would crash");
    const cliErrors = json<{findings: Array<{rule: string; severity: string}>}>(lint, "lint").findings.filter((f) => f.severity === "error").map((f) => f.rule);
    const pageErrors = findings.filter(([severity]) => severity === "error").map(([, rule]) => rule);
    assert.deepEqual([...new Set(pageErrors)].sort(), [...new Set(cliErrors)].sort());
  });

  it("makes no request outside 127.0.0.1 and raises no page error", () => {
    assert.deepEqual(externalRequests(session.requests), []);
    assert.deepEqual(session.errors, []);
  });
});
