/**
 * Columns a format does not read never reach train.json. Every one is named in the manifest, and described in plain
 * words when it looks like something DS-Chat cannot see: media (DS-Chat trains text-only causal LMs), tool definitions
 * (the model would not see them in its prompt) or metadata. Isomorphic.
 */

export type ColumnKind = "media" | "tools" | "metadata" | "text" | "other";

export interface UnusedColumn {
  name: string;
  /** Records of the file that have the column with a value other than null. */
  rows: number;
  looksLike: ColumnKind;
  /** A short excerpt of the first value, to recognise the column. */
  example: string;
}

const MEDIA_NAME = /^(images?|videos?|audios?|image_(paths?|urls?|files?)|video_(paths?|urls?|files?)|audio_(paths?|urls?|files?)|pixel_values|img|pictures?|photos?|frames|speech|wav)$/i;
const MEDIA_FILE = /\.(jpe?g|png|gif|webp|bmp|tiff?|heic|mp4|avi|mov|mkv|webm|flv|mp3|wav|flac|ogg|opus|m4a|aac)(\?\S*)?$/i;
const MEDIA_DATA_URI = /^data:(image|video|audio)\//i;
const TOOLS_NAME = /^(tools|functions|tool_calls|function_calls?|tool_choice|available_tools|api_list|apis)$/i;
const METADATA_NAME =
  /(^|_)(id|ids|idx|index|uuid|key|source|sources|url|urls|link|lang|language|locale|category|categories|class|label|labels|score|scores|rating|ratings|tag|tags|split|dataset|meta|metadata|timestamp|time|date|created_at|updated_at|license|model|models|length|len|hash|domain|topic|task|type|kind|annotator|annotators|version|weight|loss_weight)$/i;

function isMediaValue(value: unknown): boolean {
  if (typeof value === "string") return MEDIA_FILE.test(value.trim()) || MEDIA_DATA_URI.test(value);
  if (Array.isArray(value)) return value.length > 0 && isMediaValue(value[0]);
  // Hugging Face Image / Audio features arrive as {bytes, path} or {array, sampling_rate, path}.
  if (value && typeof value === "object") return "bytes" in value || "sampling_rate" in value || ("path" in value && isMediaValue((value as {path: unknown}).path));
  return false;
}

function isToolsValue(value: unknown): boolean {
  if (typeof value === "string") return /^\s*\[\s*\{/.test(value) && /"(parameters|function)"\s*:/.test(value);
  if (Array.isArray(value)) return value.length > 0 && value.every((item) => item && typeof item === "object" && ("function" in item || ("name" in item && "parameters" in item)));
  return false;
}

/** What an unused column looks like, from its name and one value. */
export function columnKind(name: string, value: unknown): ColumnKind {
  if (MEDIA_NAME.test(name) || isMediaValue(value)) return "media";
  if (TOOLS_NAME.test(name) || isToolsValue(value)) return "tools";
  if (METADATA_NAME.test(name) || typeof value === "number" || typeof value === "boolean") return "metadata";
  if (typeof value === "string" || (Array.isArray(value) && value.every((item) => typeof item === "string"))) return "text";
  return "other";
}

/** The first characters of a value as JSON, for the manifest. */
export function columnExample(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  const chars = Array.from(text);
  return chars.length <= 80 ? text : chars.slice(0, 79).join("") + "…";
}

/** LLaMA-Factory's media placeholders: one per image, video or audio in the text (its data/README.md, multimodal formats). */
export const MEDIA_PLACEHOLDER = /<(image|video|audio)>/;

/**
 * One warning per unused column, in plain words. `placeholderRows` counts the file's rows whose converted text still
 * holds a media placeholder ("<image>"), which DS-Chat would train on as literal text.
 */
export function unusedColumnWarning(source: string, format: string, column: UnusedColumn, fileRows: number, placeholderRows: number): string {
  const where = `column "${column.name}" of ${source} (${column.rows} of ${fileRows} rows, e.g. ${column.example})`;
  switch (column.looksLike) {
    case "media": {
      const placeholders = placeholderRows
        ? ` ${placeholderRows} converted rows still hold <image>/<video>/<audio> placeholders in their text, which DS-Chat will train on as literal text.`
        : "";
      return `${where} looks like media (images, video or audio): DS-Chat trains text-only models and cannot see it, so it is not in train.json.${placeholders}`;
    }
    case "tools":
      return `${where} looks like tool definitions that the ${format} format does not read: the model will not see them in its prompt, so it learns any tool calls in the answers without their definitions.`;
    case "metadata":
      return `${where} looks like metadata (ids, labels, scores): not training text, left out of train.json.`;
    case "text":
      return `${where} holds text that the ${format} format does not read: it is not in train.json. If it belongs in the prompt or the answer, use --map.`;
    case "other":
      return `${where} is not read by the ${format} format: it is not in train.json.`;
  }
}
