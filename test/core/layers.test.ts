/**
 * The layering of src/core, checked from the import statements: folders form no cycle (each folder is one layer, and
 * every import points down), nothing imports Node built-ins, the Node-side loaders/ or cli/, and no code touches DOM or
 * Node globals, so every module runs in the browser, in data loaders and in the CLI alike.
 */
import assert from "node:assert/strict";
import {readdirSync, readFileSync} from "node:fs";
import {dirname, join, normalize, relative, sep} from "node:path";
import {describe, it} from "node:test";
import {fileURLToPath} from "node:url";

const CORE = fileURLToPath(new URL("../../src/core/", import.meta.url));
/** npm packages a core module may import: they run in the browser too. */
const ALLOWED_PACKAGES = new Set(["@huggingface/tokenizers"]);
/** Globals that exist only in a browser page or only in Node. */
const PLATFORM_GLOBALS = ["window", "document", "navigator", "localStorage", "sessionStorage", "location", "HTMLElement", "process", "Buffer", "__dirname", "require"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []
  );
}

/** The code without comments and string contents (so a word in a message is not a use), import specifiers kept apart. */
function strip(code: string): string {
  return code
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1")
    .replace(/`(?:[^`\\]|\\.)*`/g, "``")
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '""')
    .replace(/'(?:[^'\\\n]|\\.)*'/g, "''");
}

/** Static imports and re-exports (`import … from "x"`, `export … from "x"`, `import "x"`) and dynamic `import("x")`. */
function importsOf(code: string): string[] {
  const clause = String.raw`(?:type\s+)?(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*(?:\{[^}]*\}|\*\s+as\s+\w+))?)`;
  const pattern = new RegExp(String.raw`^\s*(?:import|export)\s+${clause}\s+from\s+"([^"]+)"|^\s*import\s+"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)`, "gm");
  return [...code.matchAll(pattern)].map((match) => match[1] ?? match[2] ?? match[3]);
}

/** The layer (folder under src/core) of a file; files directly in src/core are the layer ".". */
const layerOf = (file: string) => (dirname(relative(CORE, file)).split(sep)[0] || ".").replace(/^$/, ".");

const files = sourceFiles(CORE);
const graph = new Map<string, Map<string, string>>(); // layer → imported layer → one file that does it, for messages

for (const file of files) {
  const from = layerOf(file);
  if (!graph.has(from)) graph.set(from, new Map());
  for (const specifier of importsOf(readFileSync(file, "utf8"))) {
    if (!specifier.startsWith(".")) continue;
    const target = normalize(join(dirname(file), specifier));
    if (!target.startsWith(CORE)) continue;
    const to = layerOf(target);
    if (to !== from && !graph.get(from)!.has(to)) graph.get(from)!.set(to, relative(CORE, file));
  }
}

/** Tarjan's strongly connected components: a component with more than one layer is a cycle. */
function cycles(): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indices.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indices.get(next)!));
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return found;
}

describe("src/core layering", () => {
  it("reads every layer's imports (the check is not vacuous)", () => {
    assert.ok(files.length > 80, `${files.length} files`);
    for (const layer of ["contract", "formats", "split", "tokenize", "stats", "models", "plan", "estimate", "lint", "report"]) assert.ok(graph.has(layer), layer);
    assert.ok(graph.get("report")!.has("lint") && graph.get("lint")!.has("plan") && graph.get("estimate")!.has("plan"), "the edges this test is about exist");
  });

  it("has no folder-level import cycle", () => {
    const found = cycles();
    const explain = found.map((component) =>
      component.map((layer) => [...graph.get(layer)!].filter(([to]) => component.includes(to)).map(([to, file]) => `${layer} → ${to} (${file})`).join(", ")).join("; ")
    );
    assert.deepEqual(explain, [], "layers must point one way");
  });

  it("imports no Node built-in, nothing from loaders/ or cli/, and only browser-safe packages", () => {
    const bad: string[] = [];
    for (const file of files) {
      for (const specifier of importsOf(readFileSync(file, "utf8"))) {
        if (specifier.startsWith(".")) {
          const target = normalize(join(dirname(file), specifier));
          if (!target.startsWith(CORE)) bad.push(`${relative(CORE, file)} imports ${specifier} (outside src/core)`);
        } else if (specifier.startsWith("node:") || !ALLOWED_PACKAGES.has(specifier)) bad.push(`${relative(CORE, file)} imports ${specifier}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it("uses no DOM or Node global", () => {
    const bad: string[] = [];
    for (const file of files) {
      const code = strip(readFileSync(file, "utf8"));
      for (const name of PLATFORM_GLOBALS) {
        // A property (x.document) or an object key (document:) is not the global.
        if (new RegExp(`(?<![.\\w$])${name}\\b(?!\\s*:)`).test(code)) bad.push(`${relative(CORE, file)} uses ${name}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it("catches what it looks for (self-check on a made-up module)", () => {
    const sample = 'import {readFileSync} from "node:fs";\n// process is mentioned here only\nconst x = process.env.HOME; const y = {document: 1}; const z = "window";';
    assert.deepEqual(importsOf(sample), ["node:fs"]);
    const code = strip(sample);
    assert.deepEqual(PLATFORM_GLOBALS.filter((name) => new RegExp(`(?<![.\\w$])${name}\\b(?!\\s*:)`).test(code)), ["process"]);
  });
});
