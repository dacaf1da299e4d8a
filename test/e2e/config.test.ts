import assert from "node:assert/strict";
import {after, before, describe, it} from "node:test";
import {readFileSync} from "node:fs";
import {normalizePlan} from "../../src/core/plan/normalizePlan.js";
import {assertMatchesSchema} from "../helpers/schemas.js";
import {externalRequests, openPage, type Session} from "./harness.js";

const number = (text: string | null) => Number((text ?? "").replace(/[^\d.]/g, ""));

describe("/config page", () => {
  let session: Session;

  before(async () => {
    // Settled when the estimate, the chart and the generated config are on the page.
    session = await openPage(
      "/config",
      () =>
        Number(document.querySelector("#reserved-gib")?.textContent) > 0 &&
        Boolean(document.querySelector("#ds-config")?.textContent?.includes("zero_optimization")) &&
        document.querySelectorAll("svg rect").length > 0
    );
  });

  after(() => session?.close());

  it("shows the estimate, the command and DS-Chat's ds_config for the default plan", async () => {
    const config = JSON.parse((await session.page.textContent("#ds-config")) ?? "{}");
    assert.equal(config["1"].zero_optimization.stage, 0);
    assert.equal(config["1"].train_micro_batch_size_per_gpu, 4);
    assert.equal(config["1"].train_batch_size, 4 * 4, "4 × A10G on ml.g5.12xlarge");
    assert.match((await session.page.textContent("#command")) ?? "", /^deepspeed --num_gpus 4 training\/step1_supervised_finetuning\/main\.py --model_name_or_path facebook\/opt-1\.3b/);
    assert.equal(await session.page.locator("a[download]").count(), 3);
    assert.equal(await session.page.getAttribute("a[download='plan.json']", "href"), "#", "no object URL before a click");
  });

  it("lowers the estimate and changes the ds_config shown when ZeRO goes from 0 to 3", async () => {
    const before = number(await session.page.textContent("#reserved-gib"));
    await session.page.selectOption("#zero-stage select", {label: "3"});
    await session.page.waitForFunction(() => document.querySelector("#ds-config")?.textContent?.includes('"stage": 3'), null, {timeout: 30_000});
    const after = number(await session.page.textContent("#reserved-gib"));
    assert.ok(after < before, `ZeRO-3 estimate ${after} GiB should be below ZeRO-0's ${before} GiB`);
    assert.match((await session.page.textContent("#command")) ?? "", /--zero_stage 3/);
  });

  it("downloads a plan.json that matches schemas/plan.schema.json and that plan --from reads", async () => {
    const [download] = await Promise.all([session.page.waitForEvent("download"), session.page.click("a[download='plan.json']")]);
    const path = await download.path();
    assert.ok(path, "the download was saved");
    const plan = JSON.parse(readFileSync(path, "utf8"));
    assertMatchesSchema("plan", plan);
    assert.equal(plan.infrastructure.instance_type, "ml.g5.12xlarge");
    assert.deepEqual(normalizePlan(plan), plan, "the same plan, as --from and lint --plan read it");
    const href = await session.page.getAttribute("a[download='plan.json']", "href");
    assert.match(href ?? "", /^blob:/, "the object URL is made on click (and revoked a minute later)");
  });

  it("makes no request outside 127.0.0.1 and raises no page error", () => {
    assert.deepEqual(externalRequests(session.requests), []);
    assert.deepEqual(session.errors, []);
  });
});
