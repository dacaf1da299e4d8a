export {findInvalidUtf8} from "../../../src/core/records/utf8.js";
