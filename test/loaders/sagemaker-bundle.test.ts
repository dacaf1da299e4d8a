import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, describe, it} from "node:test";
import {buildSourceBundle, resolveDsChatRoot} from "../../loaders/aws/sourceBundle.js";
import {readTar, writeTar, writeTarGz} from "../../loaders/aws/tar.js";

const temp = mkdtempSync(join(tmpdir(), "sagemaker-bundle-"));
after(() => rmSync(temp, {recursive: true, force: true}));

/** A DeepSpeedExamples clone in miniature: what the bundle must keep and what it must leave out. */
function fakeCheckout(root: string) {
  const files: Record<string, string> = {
    "applications/DeepSpeed-Chat/setup.py": "from setuptools import setup\n",
    "applications/DeepSpeed-Chat/requirements.txt": "protobuf==3.20.3\n",
    "applications/DeepSpeed-Chat/dschat/utils/data/data_utils.py": "# data\n",
    "applications/DeepSpeed-Chat/training/step1_supervised_finetuning/main.py": "print('main')\n",
    "applications/DeepSpeed-Chat/training/step1_supervised_finetuning/training_log_output/x.log": "log\n",
    "applications/DeepSpeed-Chat/data/train.json": "{}\n",
    "applications/DeepSpeed-Chat/assets/image/big.png": "png",
    "applications/DeepSpeed-Chat/dschat/__pycache__/x.cpython-311.pyc": "pyc",
    "applications/other/x.py": "outside\n"
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), {recursive: true});
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** What Python's tarfile (the SageMaker toolkit's reader) sees in an archive. */
function pythonList(bytes: Buffer): Array<{name: string; mode: number; size: number}> {
  const script = "import io, json, sys, tarfile\nt = tarfile.open(fileobj=io.BytesIO(sys.stdin.buffer.read()), mode='r:gz')\nprint(json.dumps([{'name': m.name, 'mode': m.mode, 'size': m.size} for m in t.getmembers()]))";
  const result = spawnSync("python3", ["-c", script], {input: bytes});
  assert.equal(result.status, 0, result.stderr.toString());
  return JSON.parse(result.stdout.toString());
}

describe("sourcedir.tar.gz", () => {
  it("holds the launcher and the curated requirements at its root, byte-identical from build to build", () => {
    const a = buildSourceBundle();
    const b = buildSourceBundle();
    assert.deepEqual(a.files, ["requirements.txt", "sm_entry.py"]);
    assert.equal(a.sha256, b.sha256);
    assert.ok(a.bytes.equals(b.bytes));
    const members = pythonList(a.bytes);
    assert.deepEqual(
      members.map((m) => [m.name, m.mode]),
      [["requirements.txt", 0o644], ["sm_entry.py", 0o755]]
    );
  });

  it("packs a DS-Chat checkout under DeepSpeed-Chat/, so its setup.py is not at the root, without data/, assets and caches", () => {
    const root = fakeCheckout(join(temp, "DeepSpeedExamples"));
    for (const dir of [root, join(root, "applications", "DeepSpeed-Chat")]) {
      const bundle = buildSourceBundle({dschatDir: dir});
      assert.deepEqual(bundle.files, [
        "DeepSpeed-Chat/dschat/utils/data/data_utils.py",
        "DeepSpeed-Chat/requirements.txt",
        "DeepSpeed-Chat/setup.py",
        "DeepSpeed-Chat/training/step1_supervised_finetuning/main.py",
        "requirements.txt",
        "sm_entry.py"
      ]);
      assert.ok(!bundle.files.includes("setup.py"), "a setup.py at the root would make the toolkit install the bundle as a package, which torch_distributed refuses");
      assert.deepEqual(bundle.excluded.map((e) => e.split(" ")[0]).sort(), ["assets/", "data/", "dschat/__pycache__/", "training/step1_supervised_finetuning/training_log_output/"]);
      assert.deepEqual(pythonList(bundle.bytes).map((m) => m.name).sort(), bundle.files);
    }
  });

  it("says what a DS-Chat checkout must hold", () => {
    assert.throws(() => resolveDsChatRoot(temp), /is not a DeepSpeed-Chat checkout: neither it nor its applications\/DeepSpeed-Chat holds dschat\/utils\/data\/data_utils.py and training\/step1_supervised_finetuning\/main.py/);
  });
});

describe("tar", () => {
  it("writes long paths (ustar prefix, PAX) that Python reads, and reads what Python writes", () => {
    const long = `${"d".repeat(120)}/${"f".repeat(90)}.txt`;
    const longer = `${"x".repeat(300)}.bin`;
    const bytes = writeTarGz([
      {path: long, data: Buffer.from("one")},
      {path: longer, data: Buffer.from("two")},
      {path: "ünï/códe.py", data: Buffer.from("three"), mode: 0o755}
    ]);
    assert.deepEqual(pythonList(bytes).map((m) => m.name).sort(), [long, longer, "ünï/códe.py"].sort());
    assert.deepEqual(readTar(bytes).map((e) => [e.path, Buffer.from(e.data).toString()]).sort(), [[long, "one"], [longer, "two"], ["ünï/códe.py", "three"]].sort());
    const script = "import io, sys, tarfile\nb = io.BytesIO()\nt = tarfile.open(fileobj=b, mode='w:gz')\nfor name in ['a/config.json', 'n' * 150 + '/pytorch_model.bin']:\n    data = name.encode()\n    info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))\nt.close()\nsys.stdout.buffer.write(b.getvalue())";
    const python = spawnSync("python3", ["-c", script]);
    assert.deepEqual(readTar(python.stdout).map((e) => [e.path, Buffer.from(e.data).toString()]), [["a/config.json", "a/config.json"], [`${"n".repeat(150)}/pytorch_model.bin`, `${"n".repeat(150)}/pytorch_model.bin`]]);
  });

  it("refuses paths that leave the destination and links", () => {
    assert.throws(() => writeTar([{path: "../x", data: Buffer.from("")}]), /unsafe path/);
    const script = "import io, sys, tarfile\nb = io.BytesIO()\nt = tarfile.open(fileobj=b, mode='w')\ninfo = tarfile.TarInfo(sys.argv[1]); info.type = tarfile.SYMTYPE if sys.argv[1] == 'link' else tarfile.REGTYPE; info.linkname = '/etc/passwd'\nt.addfile(info, io.BytesIO(b''))\nt.close()\nsys.stdout.buffer.write(b.getvalue())";
    assert.throws(() => readTar(spawnSync("python3", ["-c", script, "../escape"]).stdout), /unsafe path/);
    assert.throws(() => readTar(spawnSync("python3", ["-c", script, "link"]).stdout), /links are not accepted/);
  });
});
