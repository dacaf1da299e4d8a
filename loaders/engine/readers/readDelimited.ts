import {UserError} from "../../../src/core/contract/userError.js";
import {excerptOf, MAX_RECORD_BYTES, oversizedFailure, type ReadOptions, type RecordItem} from "./recordItem.js";
import {readTextChunks} from "./textChunks.js";

/**
 * CSV or TSV (RFC 4180 quoting, `""` escapes, CRLF or LF), streamed. The first record is the header; each later record
 * becomes an object keyed by it. Fields are strings, except that an unquoted empty field is null (what pandas writes for
 * a missing value). A record whose field count differs from the header's is an unparsable record that names both counts.
 */
export async function* readDelimited(
  path: string,
  {source, gzip, delimiter, onBytes, onWarning}: {source: string; gzip: boolean; delimiter: "," | "\t"} & ReadOptions
): AsyncGenerator<RecordItem[]> {
  const separator = delimiter.charCodeAt(0);
  let header: string[] | null = null;
  let fields: Array<string | null> = [];
  let field = "";
  let fieldQuoted = false;
  let inQuotes = false;
  let afterQuote = false;
  let line = 1;
  let recordLine = 1;
  let recordText = "";
  let row = 0;
  /** Characters of a record longer than MAX_RECORD_BYTES, dropped as it streams (it becomes one reject). */
  let oversized = 0;

  const endField = () => {
    fields.push(field === "" && !fieldQuoted ? null : field);
    field = "";
    fieldQuoted = false;
    afterQuote = false;
  };
  const endRecord = (items: RecordItem[]) => {
    endField();
    const record = fields;
    fields = [];
    const startLine = recordLine;
    const raw = recordText;
    recordText = "";
    recordLine = line;
    if (oversized) {
      row++;
      items.push({row, line: startLine, failure: oversizedFailure("the row", oversized), excerpt: excerptOf(raw)});
      oversized = 0;
      return;
    }
    if (record.length === 1 && record[0] === null) return; // blank line
    if (!header) {
      header = record.map((name, index) => (name === null || name === "" ? `column${index + 1}` : name));
      return;
    }
    row++;
    if (record.length !== header.length) {
      items.push({
        row,
        line: startLine,
        failure: `line ${startLine} has ${record.length} fields but the header has ${header.length}`,
        excerpt: excerptOf(raw)
      });
      return;
    }
    const value: Record<string, string | null> = {};
    for (let i = 0; i < header.length; i++) value[header[i]] = record[i];
    items.push({row, line: startLine, value});
  };
  const scan = (text: string, items: RecordItem[]) => {
    let segmentStart = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (inQuotes) {
        if (code === 0x22) {
          if (i + 1 < text.length && text.charCodeAt(i + 1) === 0x22) {
            field += '"';
            i++;
          } else {
            inQuotes = false;
            afterQuote = true;
          }
        } else {
          if (code === 0x0a) line++;
          field += text[i];
        }
        continue;
      }
      if (code === separator) endField();
      else if (code === 0x0a) {
        recordText += text.slice(segmentStart, i);
        segmentStart = i + 1;
        line++;
        endRecord(items);
      } else if (code === 0x0d) continue;
      else if (code === 0x22 && field === "" && !afterQuote) {
        inQuotes = true;
        fieldQuoted = true;
      } else if (afterQuote) {
        // Text after a closing quote (`"ab"c`): keep it, as Python's csv module does.
        field += text[i];
      } else field += text[i];
    }
    if (recordText.length < 4096) recordText += text.slice(segmentStart, segmentStart + 4096);
  };

  for await (const text of readTextChunks(path, {source, gzip, onBytes, onWarning}, () => line)) {
    const items: RecordItem[] = [];
    scan(text, items);
    const held = fields.reduce((sum, value) => sum + (value?.length ?? 0), field.length);
    if (oversized || held > MAX_RECORD_BYTES) {
      oversized += held;
      fields = fields.map(() => "");
      field = "";
    }
    if (items.length) yield items;
  }
  const items: RecordItem[] = [];
  if (inQuotes) {
    row++;
    items.push({row, line: recordLine, failure: `quoted field opened on line ${recordLine} is never closed (the file ends inside it)`, excerpt: excerptOf(recordText + field)});
  } else if (field !== "" || fields.length > 0 || fieldQuoted) {
    endRecord(items);
  }
  if (items.length) yield items;
  if (!header) throw new UserError("has no header line", {where: {file: source, line: 1}, fix: "Put the column names on the first line of the CSV/TSV file."});
}
