/**
 * Dataset formats: detection, conversion to canonical rows with DS-Chat's exact strings, and local/jsonfile output.
 * Isomorphic (no Node or DOM APIs): used by the browser pages, the loaders and the CLI alike.
 */
export {type ColumnsRead, type ConvertResult, type ExampleParts, type FormatAdapter, type FormatDetection, type RowContext, type RowNotes, acceptConvention, acceptRow, columnsRead, defineAdapter, rejectRecord} from "./formatAdapter.js";
export {DEFAULT_REASONING, REASONING_MODES, type ReasoningOption, formatReasoningMarkers, parseReasoningMarkers} from "./reasoning.js";
export {formats} from "./formats.js";
export {type Detection, MIN_CONFIDENCE, UNKNOWN_FORMAT, detectFormat, majorityColumns} from "./detectFormat.js";
export {type Mapping, type MappingTarget, type PathSegment, MAPPING_TARGETS, formatPath, parseMapping, parsePath, resolvePath} from "./parseMapping.js";
export {mappingAdapter} from "./mappingAdapter.js";
export {findFormat, forcedAdapter, resolveAdapter} from "./resolveAdapter.js";
export {type LocalJsonDeviation, type StringDeviation, localJsonDeviation, localJsonStrings, toLocalJsonRow} from "./toLocalJsonRow.js";
export {ASSISTANT_MARKER, HUMAN_MARKER, PROMPT_END, renderDsChat, renderPrompt} from "./renderDsChat.js";
export {parseTranscript} from "./parseTranscript.js";
export {EXCERPT_MAX_CHARS, excerptOf} from "./excerptOf.js";
export {extractHhDialogue} from "./adapters/hhRlhf.js";
export {stripWebgptCitations} from "./adapters/dschatEnglish.js";
export {FORMATS_VERSION} from "./formatsVersion.js";
export {type ColumnKind, type UnusedColumn, MEDIA_PLACEHOLDER, columnExample, columnKind, unusedColumnWarning} from "./columnUse.js";
