/**
 * CSV or TSV (RFC 4180 quoting, `""` escapes, CRLF or LF), scanned as text arrives. The first record is the header;
 * each later record becomes an object keyed by it. Fields are strings, except that an unquoted empty field is null (what
 * pandas writes for a missing value). A record whose field count differs from the header's is an unparsable record that
 * names both counts; one longer than MAX_RECORD_BYTES is one counted reject. Used by the Node reader (readDelimited.ts) and the browser's upload worker alike.
 * Isomorphic: no Node or DOM imports.
 */
import {UserError} from "../contract/userError.js";
import {excerptOf, MAX_RECORD_BYTES, oversizedFailure, type RecordItem, type TextRecordScanner} from "./recordItem.js";

export class DelimitedScanner implements TextRecordScanner {
  line = 1;
  private readonly separator: number;
  private header: string[] | null = null;
  private fields: Array<string | null> = [];
  private field = "";
  private fieldQuoted = false;
  private inQuotes = false;
  private afterQuote = false;
  /** A quote ended the last chunk inside a quoted field: the next character says whether it closes the field or is `""`. */
  private pendingQuote = false;
  private recordLine = 1;
  private recordText = "";
  private row = 0;
  private first = true;
  /** Characters of a record longer than MAX_RECORD_BYTES, dropped as it streams (it becomes one reject). */
  private oversized = 0;

  constructor(private readonly source: string, delimiter: "," | "\t") {
    this.separator = delimiter.charCodeAt(0);
  }

  push(text: string): RecordItem[] {
    if (this.first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text) this.first = false;
    const items: RecordItem[] = [];
    this.scan(text, items);
    const held = this.fields.reduce((sum, value) => sum + (value?.length ?? 0), this.field.length);
    if (this.oversized || held > MAX_RECORD_BYTES) {
      this.oversized += held;
      this.fields = this.fields.map(() => "");
      this.field = "";
    }
    return items;
  }

  end(): RecordItem[] {
    const items: RecordItem[] = [];
    if (this.pendingQuote) this.closeQuote();
    if (this.inQuotes) {
      this.row++;
      items.push({row: this.row, line: this.recordLine, failure: `quoted field opened on line ${this.recordLine} is never closed (the file ends inside it)`, excerpt: excerptOf(this.recordText + this.field)});
    } else if (this.field !== "" || this.fields.length > 0 || this.fieldQuoted) {
      this.endRecord(items);
    }
    if (!this.header) throw new UserError("has no header line", {where: {file: this.source, line: 1}, fix: "Put the column names on the first line of the CSV/TSV file."});
    return items;
  }

  private closeQuote(): void {
    this.pendingQuote = false;
    this.inQuotes = false;
    this.afterQuote = true;
  }

  private endField(): void {
    this.fields.push(this.field === "" && !this.fieldQuoted ? null : this.field);
    this.field = "";
    this.fieldQuoted = false;
    this.afterQuote = false;
  }

  private endRecord(items: RecordItem[]): void {
    this.endField();
    const record = this.fields;
    this.fields = [];
    const startLine = this.recordLine;
    const raw = this.recordText;
    this.recordText = "";
    this.recordLine = this.line;
    if (this.oversized) {
      this.row++;
      items.push({row: this.row, line: startLine, failure: oversizedFailure("the row", this.oversized), excerpt: excerptOf(raw)});
      this.oversized = 0;
      return;
    }
    if (record.length === 1 && record[0] === null) return; // blank line
    if (!this.header) {
      this.header = record.map((name, index) => (name === null || name === "" ? `column${index + 1}` : name));
      return;
    }
    const header = this.header;
    this.row++;
    if (record.length !== header.length) {
      items.push({row: this.row, line: startLine, failure: `line ${startLine} has ${record.length} fields but the header has ${header.length}`, excerpt: excerptOf(raw)});
      return;
    }
    const value: Record<string, string | null> = {};
    for (let i = 0; i < header.length; i++) value[header[i]] = record[i];
    items.push({row: this.row, line: startLine, value});
  }

  private scan(text: string, items: RecordItem[]): void {
    let segmentStart = 0;
    let start = 0;
    if (this.pendingQuote && text.length) {
      if (text.charCodeAt(0) === 0x22) {
        this.pendingQuote = false;
        this.field += '"';
        start = 1;
      } else this.closeQuote();
    }
    for (let i = start; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (this.inQuotes) {
        if (code === 0x22) {
          if (i + 1 === text.length) this.pendingQuote = true;
          else if (text.charCodeAt(i + 1) === 0x22) {
            this.field += '"';
            i++;
          } else this.closeQuote();
        } else {
          if (code === 0x0a) this.line++;
          this.field += text[i];
        }
        continue;
      }
      if (code === this.separator) this.endField();
      else if (code === 0x0a) {
        this.recordText += text.slice(segmentStart, i);
        segmentStart = i + 1;
        this.line++;
        this.endRecord(items);
      } else if (code === 0x0d) continue;
      else if (code === 0x22 && this.field === "" && !this.afterQuote) {
        this.inQuotes = true;
        this.fieldQuoted = true;
      } else if (this.afterQuote) {
        // Text after a closing quote (`"ab"c`): keep it, as Python's csv module does.
        this.field += text[i];
      } else this.field += text[i];
    }
    if (this.recordText.length < 4096) this.recordText += text.slice(segmentStart, segmentStart + 4096);
  }
}
