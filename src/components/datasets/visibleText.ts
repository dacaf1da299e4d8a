/**
 * Dataset text shown as DS-Chat reads it: every character is text (never HTML), whitespace is made visible (· for a
 * space, → for a tab, ↵ at a line break, ⍽ for other spaces) and DS-Chat's `Human:` / `Assistant:` markers are
 * highlighted, because a missing or doubled space around them changes what the model learns. Each whitespace mark has
 * the title of its character (`U+0020`); a line break keeps its real "\n" after the mark, so the text can be read back.
 */

const MARKERS = /(Human:|Assistant:)/;
const SPACES: Record<string, string> = {" ": "·", "\t": "→", "\r": "␍"};

function appendWhitespaceVisible(parent: Node, text: string): void {
  const doc = parent.ownerDocument ?? document;
  let plain = "";
  const flush = () => {
    if (plain) parent.appendChild(doc.createTextNode(plain));
    plain = "";
  };
  for (const char of text) {
    if (char === "\n") {
      flush();
      const mark = doc.createElement("span");
      mark.className = "ws";
      mark.title = "U+000A";
      mark.textContent = "↵";
      parent.appendChild(mark);
      parent.appendChild(doc.createTextNode("\n"));
    } else if (SPACES[char] || /\s/.test(char)) {
      flush();
      const mark = doc.createElement("span");
      mark.className = "ws";
      mark.title = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
      mark.textContent = SPACES[char] ?? "⍽";
      parent.appendChild(mark);
    } else plain += char;
  }
  flush();
}

/** A `<pre>` holding `text` (or a note for null) with whitespace visible and markers highlighted. */
export function VisibleText(text: string | null, {className = ""} = {}): HTMLElement {
  const pre = document.createElement("pre");
  pre.className = `visible-text ${className}`.trim();
  if (text === null) {
    pre.classList.add("absent");
    pre.textContent = "null (the row has none)";
    return pre;
  }
  for (const part of text.split(MARKERS)) {
    if (!part) continue;
    if (MARKERS.test(part)) {
      const mark = document.createElement("mark");
      mark.className = "marker";
      mark.textContent = part;
      pre.appendChild(mark);
    } else appendWhitespaceVisible(pre, part);
  }
  return pre;
}

