/**
 * Output folders with nested files (the `report` site: `_npm/…`, `_file/data/…`): the marker lists every file by its
 * relative path; an unchanged output is replaced, and one with a file added or edited in a sub-folder, or an extra empty
 * sub-folder, is refused with nothing touched — the same rules as flat outputs (output-safety.test.ts).
 */
import assert from "node:assert/strict";
import {mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {dirname, join} from "node:path";
import {after, describe, it} from "node:test";
import {OUTPUT_MARKER, replaceOutputDir} from "../../loaders/fs/outputDir.js";

const temp = mkdtempSync(join(tmpdir(), "nested-output-"));
after(() => rmSync(temp, {recursive: true, force: true}));

const FILES = ["index.html", "_file/data/report.json", "_npm/d3@7.9.2/_esm.js"];

function write(target: string, content: string) {
  return replaceOutputDir(target, {
    kind: "report",
    files: FILES,
    write: async (folder) => {
      for (const file of FILES) {
        mkdirSync(dirname(join(folder, file)), {recursive: true});
        writeFileSync(join(folder, file), `${content} ${file}`);
      }
    }
  });
}

describe("nested output folders", () => {
  it("lists every nested file in the marker and replaces an unchanged output", async () => {
    const target = join(temp, "site");
    await write(target, "first");
    const marker = JSON.parse(readFileSync(join(target, OUTPUT_MARKER), "utf8"));
    assert.deepEqual(Object.keys(marker.files).sort(), [...FILES].sort());
    const firstVersion = readlinkSync(target);
    await write(target, "second");
    assert.notEqual(readlinkSync(target), firstVersion);
    assert.equal(readFileSync(join(target, "_file/data/report.json"), "utf8"), "second _file/data/report.json");
  });

  for (const [what, change] of [
    ["a file added in a sub-folder", (dir: string) => writeFileSync(join(dir, "_npm", "notes.txt"), "mine")],
    ["a nested file edited", (dir: string) => writeFileSync(join(dir, "_file/data/report.json"), "edited by hand")],
    ["an extra empty sub-folder", (dir: string) => mkdirSync(join(dir, "_file", "mine"))]
  ] as const) {
    it(`refuses an output with ${what}, and leaves it as it is`, async () => {
      const target = join(temp, what.replace(/\W+/g, "-"));
      await write(target, "first");
      change(target);
      const version = readlinkSync(target);
      await assert.rejects(write(target, "second"), (error: Error) => /refusing to replace it/.test(error.message));
      assert.equal(readlinkSync(target), version);
      assert.equal(readFileSync(join(target, "index.html"), "utf8"), "first index.html");
    });
  }
});
