// What runner.js tells of an Action's own source: where in it an error arose (its line
// and column, from 1), so that a failure names a place the Action's author can open.
"use strict";

function escaped(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// A frame of V8's stack text: "    at f (FILE:LINE:COLUMN)", "    at FILE:LINE:COLUMN",
// "    at async f (FILE:LINE:COLUMN)". The first frame in the Action's own file is where
// its code was when the error arose: frames above it are the runner's (its `require`,
// api.access.deny), which the Action's author never wrote.
function frameIn(stack, filename) {
  const frame = new RegExp(`(?:\\(|^at )${escaped(filename)}:(\\d+):(\\d+)\\)?$`);
  for (const line of stack.split("\n")) {
    const found = line.trim().match(frame);
    if (found) return { line: Number(found[1]), column: Number(found[2]) };
  }
  return null;
}

// A SyntaxError has no frame in the code it could not compile: Node puts the place
// above the message instead, "FILE:LINE", the source line, and a caret line under the
// offending token ("^^^"; spaces alone at the end of the input).
function headIn(stack, filename) {
  const [head, source, caret] = stack.split("\n");
  const found = head.match(new RegExp(`^${escaped(filename)}:(\\d+)$`));
  if (!found) return null;
  const mark = (caret || "").indexOf("^");
  const column = mark >= 0 ? mark + 1 : source && caret ? caret.length + 1 : 1;
  return { line: Number(found[1]), column };
}

// Where `error` arose in the code compiled as `filename`, or null (a thrown string, an
// error made elsewhere, a stack the Action rewrote).
function placeOf(error, filename) {
  const stack = error && typeof error.stack === "string" ? error.stack : "";
  return frameIn(stack, filename) ?? headIn(stack, filename);
}

module.exports = { placeOf };
