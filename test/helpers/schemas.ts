/**
 * Validation against the JSON Schemas in schemas/ (Ajv, draft 2020-12), for tests: every command's --json output,
 * plan.json, manifest.json and the pages' data files are checked with it. `additionalProperties: false` throughout, so
 * a key that is not in the contract fails as surely as a missing one.
 */
import assert from "node:assert/strict";
import {readdirSync, readFileSync} from "node:fs";
import {Ajv2020} from "ajv/dist/2020.js";
import type {SchemaName} from "../../src/core/contract/schemaVersions.js";

export const schemaDir = new URL("../../schemas/", import.meta.url);

export const schemaFiles: Record<string, {$id: string; properties?: {schema_version?: {const?: number}}}> = Object.fromEntries(
  readdirSync(schemaDir)
    .filter((name) => name.endsWith(".schema.json"))
    .map((name) => [name.replace(/\.schema\.json$/, ""), JSON.parse(readFileSync(new URL(name, schemaDir), "utf8"))])
);

const ajv = new Ajv2020({allErrors: true, strict: true, allowUnionTypes: true});
for (const schema of Object.values(schemaFiles)) ajv.addSchema(schema);

/** The errors of `document` against schemas/<name>.schema.json, as "path: message" lines (empty when valid). */
export function schemaErrors(name: SchemaName | "finding", document: unknown): string[] {
  const validate = ajv.getSchema(`${name}.schema.json`);
  assert.ok(validate, `no schema ${name}.schema.json`);
  if (validate(document)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || "/"}: ${error.message}${error.params ? ` ${JSON.stringify(error.params)}` : ""}`);
}

export function assertMatchesSchema(name: SchemaName | "finding", document: unknown): void {
  const errors = schemaErrors(name, document);
  assert.deepEqual(errors, [], `the document does not match schemas/${name}.schema.json`);
}
