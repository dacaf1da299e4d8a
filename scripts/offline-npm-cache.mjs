// Fills Observable Framework's npm cache (src/.observablehq/cache/_npm) from node_modules, so that `observable build`
// and `observable preview` never fetch from jsDelivr or the npm registry. With internet the result is the same:
// Framework finds every `npm:` import already cached and uses it. How Framework resolves and caches npm: imports: @observablehq/framework/dist/npm.js.
import {build} from "esbuild";
import {cp, mkdir, readFile, rm, writeFile} from "node:fs/promises";
import {dirname, join, relative} from "node:path";
import {fileURLToPath} from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const cache = join(root, "src", ".observablehq", "cache", "_npm");

// Framework pins duckdb-wasm to exactly this version (DUCKDB_WASM_VERSION in its duckdb.js); we install it under an alias.
const FRAMEWORK_DUCKDB_WASM = "1.29.0";

/** Packages bundled for the browser: npm name, where it is installed, the entry to bundle, and files copied beside it. */
const bundled = [
  {name: "d3", dir: "d3"},
  {name: "d3-dsv", dir: "d3-dsv"},
  {name: "htl", dir: "htl"},
  {name: "isoformat", dir: "isoformat"},
  {name: "@observablehq/plot", dir: "@observablehq/plot"},
  {name: "@observablehq/inputs", dir: "@observablehq/inputs"},
  {name: "apache-arrow", dir: "apache-arrow"},
  {
    name: "@duckdb/duckdb-wasm",
    dir: "duckdb-wasm-fw",
    version: FRAMEWORK_DUCKDB_WASM,
    assets: ["dist/duckdb-mvp.wasm", "dist/duckdb-eh.wasm", "dist/duckdb-browser-mvp.worker.js", "dist/duckdb-browser-eh.worker.js"]
  },
  {name: "parquet-wasm", dir: "parquet-wasm", entry: "parquet-wasm/esm", hasDefault: true, assets: ["esm/parquet_wasm_bg.wasm"]}
];

// Framework's client bundle lazily imports these; it only needs to resolve a version, which an existing folder answers.
const versionOnly = {
  lodash: "4.17.21",
  arquero: "7.2.0",
  echarts: "5.6.0",
  leaflet: "1.9.4",
  "mapbox-gl": "3.9.4",
  react: "19.0.0",
  "react-dom": "19.0.0",
  "topojson-client": "3.1.0",
  "@observablehq/sample-datasets": "1.0.1"
};

async function installedVersion(dir) {
  const pkg = JSON.parse(await readFile(join(modules, dir, "package.json"), "utf8"));
  return pkg.version;
}

async function main() {
  const started = performance.now();
  // A stale folder of a higher version (left by an online build) would win over ours: start clean.
  await rm(cache, {recursive: true, force: true});
  const versions = new Map();
  for (const pkg of bundled) {
    const version = pkg.version ?? (await installedVersion(pkg.dir));
    if (pkg.version && (await installedVersion(pkg.dir)) !== pkg.version) {
      throw new Error(`node_modules/${pkg.dir} must be version ${pkg.version} (Framework pins it); run npm ci`);
    }
    versions.set(pkg.name, version);
  }
  for (const pkg of bundled) {
    const outDir = join(cache, `${pkg.name}@${versions.get(pkg.name)}`);
    await mkdir(outDir, {recursive: true});
    const entry = pkg.entry ?? pkg.dir;
    const contents = `export * from ${JSON.stringify(entry)};${pkg.hasDefault ? `export {default} from ${JSON.stringify(entry)};` : ""}`;
    await build({
      stdin: {contents, resolveDir: root, loader: "js"},
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: true,
      logLevel: "error",
      outfile: join(outDir, "_esm.js"),
      define: {"process.env.NODE_ENV": '"production"'},
      plugins: [siblingExternals(pkg.name, outDir, versions)]
    });
    for (const asset of pkg.assets ?? []) {
      await mkdir(dirname(join(outDir, asset)), {recursive: true});
      await cp(join(modules, pkg.dir, asset), join(outDir, asset));
    }
  }
  for (const [name, version] of Object.entries(versionOnly)) {
    await mkdir(join(cache, `${name}@${version}`), {recursive: true});
  }
  await writeFile(join(cache, ".offline-npm-cache"), `filled from node_modules by scripts/offline-npm-cache.mjs\n`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.error(`offline npm cache: ${bundled.length} packages bundled, ${Object.keys(versionOnly).length} pinned, in ${seconds}s`);
}

/** Imports of another bundled package stay external, pointing at its sibling bundle, so all pages share one copy. */
function siblingExternals(self, outDir, versions) {
  return {
    name: "sibling-externals",
    setup(esbuild) {
      esbuild.onResolve({filter: /^[^./]/}, (args) => {
        if (args.kind === "entry-point") return undefined;
        const name = args.path.startsWith("@") ? args.path.split("/").slice(0, 2).join("/") : args.path.split("/")[0];
        if (name === self || !versions.has(name) || args.path !== name) return undefined;
        const target = join(cache, `${name}@${versions.get(name)}`, "_esm.js");
        return {path: relative(outDir, target).replaceAll("\\", "/").replace(/^(?!\.)/, "./"), external: true};
      });
    }
  };
}

main().catch((error) => {
  console.error(`offline npm cache failed: ${error.message}`);
  process.exit(1);
});
