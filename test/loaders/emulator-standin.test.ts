import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {readFileSync} from "node:fs";
import {gunzipSync} from "node:zlib";
import {join} from "node:path";
import {describe, it} from "node:test";
import {REPLAY_LOG_DIR, STANDIN_ROOT} from "../../loaders/emulator/jobRunner.js";
import {renderStandinFiles, replayLogs, standinMainPath} from "../../loaders/emulator/standin.js";
import {trainingScripts, type TrainingScript} from "../../src/core/runs/logLines.js";

interface Answer {
  argv: string[];
  namespace: Record<string, unknown> | null;
  exit: number | null;
  stderr: string;
  exception: string | null;
}

// Written by test/vectors/gen_argparse_vectors.py from DS-Chat's real parse_args (83757d9c) and DeepSpeed's add_config_arguments.
const vectors: {python: string; scripts: Record<TrainingScript, Answer[]>} = JSON.parse(readFileSync(new URL("../vectors/argparse-vectors.json", import.meta.url), "utf8"));

/** Runs the generated stand-in's parse_args() on each argv, the way gen_argparse_vectors.py ran DS-Chat's. */
function standinAnswers(script: TrainingScript, argvs: string[][]): {python: string; answers: Answer[]} {
  const driver = [
    "import contextlib, importlib.util, io, json, sys",
    "path, argvs = sys.argv[1], json.loads(sys.stdin.read())",
    "spec = importlib.util.spec_from_file_location('standin_main', path)",
    "module = importlib.util.module_from_spec(spec)",
    "spec.loader.exec_module(module)",
    "out = []",
    "for argv in argvs:",
    "    sys.argv = ['main.py'] + argv",
    "    err = io.StringIO()",
    "    try:",
    "        with contextlib.redirect_stderr(err):",
    "            args = module.parse_args()",
    "        out.append({'argv': argv, 'namespace': json.loads(json.dumps(vars(args), default=str)), 'exit': None, 'stderr': '', 'exception': None})",
    "    except SystemExit as done:",
    "        out.append({'argv': argv, 'namespace': None, 'exit': done.code, 'stderr': err.getvalue(), 'exception': None})",
    "    except Exception as error:",
    "        out.append({'argv': argv, 'namespace': None, 'exit': None, 'stderr': err.getvalue(), 'exception': type(error).__name__ + ': ' + str(error)})",
    "print(json.dumps({'python': sys.version.split()[0], 'answers': out}))"
  ].join("\n");
  const result = spawnSync("python3", ["-B", "-c", driver, join(STANDIN_ROOT, standinMainPath(script))], {input: JSON.stringify(argvs), encoding: "utf8"});
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

const minor = (version: string) => version.split(".").slice(0, 2).join(".");
/** argparse's wording of choices changed across Python versions; compare the error line without quotes then. */
const errorLine = (stderr: string) => (stderr.trim().split("\n").pop() ?? "").replace(/['"]/g, "");

describe("the emulator's stand-in DS-Chat parsers", () => {
  it("are the files the generator writes from the argument table (run loaders/emulator/generateStandin.ts after changing it)", () => {
    for (const [path, content] of Object.entries(renderStandinFiles())) assert.equal(readFileSync(join(STANDIN_ROOT, path), "utf8"), content, path);
  });

  for (const script of trainingScripts) {
    it(`${script}: answers every command line as DS-Chat's real parser does (arguments, or argparse's exact error)`, () => {
      const expected = vectors.scripts[script];
      const {python, answers} = standinAnswers(script, expected.map((answer) => answer.argv));
      const samePython = minor(python) === minor(vectors.python);
      answers.forEach((answer, index) => {
        const want = expected[index]!;
        const label = `${script} ${JSON.stringify(want.argv)}`;
        assert.deepEqual(answer.namespace, want.namespace, `${label}: parsed arguments`);
        assert.equal(answer.exit, want.exit, `${label}: exit status`);
        assert.equal(answer.exception, want.exception, `${label}: DS-Chat's own validation`);
        if (samePython) assert.equal(answer.stderr, want.stderr, `${label}: argparse output, usage line included`);
        else assert.equal(errorLine(answer.stderr), errorLine(want.stderr), `${label}: argparse error (Python ${python} vs ${vectors.python})`);
      });
      assert.ok(expected.some((answer) => answer.stderr.includes("unrecognized arguments: --lerning_rate 1e-5")));
    });
  }
});

describe("the replayed logs", () => {
  it("are the published DS-Chat logs of test/fixtures/deepspeed-chat-logs, byte for byte, one per script", () => {
    for (const script of trainingScripts) {
      const shipped = gunzipSync(readFileSync(join(REPLAY_LOG_DIR, replayLogs[script])));
      const fixture = readFileSync(new URL(`../fixtures/deepspeed-chat-logs/${replayLogs[script].replace(/\.gz$/, "")}`, import.meta.url));
      assert.ok(shipped.equals(fixture), `${replayLogs[script]} differs from the fixture`);
    }
    assert.ok(!REPLAY_LOG_DIR.includes(`${join("test", "fixtures")}`), "the product does not read test fixtures");
  });
});
