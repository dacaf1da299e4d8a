import {Vector} from "apache-arrow";
import {toPlainJsonWith} from "../../../src/core/records/plainJson.js";

/** Plain JSON values from DuckDB and apache-arrow values (the rules: src/core/records/plainJson.ts). */
export const toPlainJson = toPlainJsonWith((value) => value instanceof Vector);
