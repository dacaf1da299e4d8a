// Framework resolves `npm:` imports in pages and components; for the type checker they are the installed packages.
declare module "npm:@observablehq/plot" {
  export * from "@observablehq/plot";
}
declare module "npm:htl" {
  // htl ships no types; these are the two tags the studio uses.
  export function html(strings: TemplateStringsArray, ...values: unknown[]): HTMLElement;
  export function svg(strings: TemplateStringsArray, ...values: unknown[]): SVGElement;
}
declare module "npm:d3" {
  export * from "d3";
}
declare module "npm:apache-arrow" {
  export * from "apache-arrow";
}
declare module "npm:parquet-wasm" {
  export * from "parquet-wasm/esm";
  export {default} from "parquet-wasm/esm";
}
