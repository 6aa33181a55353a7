// What runner.js tells of an Action's own source without running it, and where in it:
// where an error arose (its line and column, from 1, a place its author can open), the
// syntax error that keeps it from compiling (Node's own parser, through node:vm), and the
// modules it requires by name (what a deploy checks: Auth0 installs the npm packages an
// Action declares; here there are none to install).
"use strict";
const vm = require("node:vm");

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

// Where `index` is in `code`: its line and column, from 1.
function placeAt(code, index) {
  const before = code.slice(0, index);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: index - lineStart + 1 };
}

// The syntax error that keeps `code` from compiling, and where; null when it compiles.
// Only compiled, never run.
function syntaxError(code, filename) {
  try {
    new vm.Script(code, { filename });
    return null;
  } catch (e) {
    return { error: `${e.name}: ${e.message}`, line: null, column: null, ...placeOf(e, filename) };
  }
}

// Words after which a "/" starts a regular expression rather than a division.
const BEFORE_EXPRESSION = new Set([
  "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case",
  "do", "else", "yield", "await",
]);
const IDENTIFIER_START = /[\p{ID_Start}$_]/u;
const IDENTIFIER_PART = /[\p{ID_Continue}$\u200c\u200d]/u;

// Each `require("name")` with a literal name in code that compiles: JavaScript's tokens
// read as far as telling code from comments, strings, templates and regular expressions
// needs (V8 keeps its tree to itself), so that a require in a comment is no require.
// A name computed at run time is not seen here; the runner's own require refuses it then.
function requiresIn(code) {
  const found = [];
  const n = code.length;
  const open = []; // the brace depth at each template's "${" still open
  let depth = 0;
  let i = 0;
  let regexHere = true; // a "/" here would start a regular expression

  const stringEnd = (from) => {
    const quote = code[from];
    let j = from + 1;
    while (j < n && code[j] !== quote && code[j] !== "\n") j += code[j] === "\\" ? 2 : 1;
    return j + 1;
  };
  // From inside a template: to its end (false), or into a "${" expression (true).
  const templateFrom = (from) => {
    let j = from;
    while (j < n) {
      if (code[j] === "\\") j += 2;
      else if (code[j] === "`") return [j + 1, false];
      else if (code[j] === "$" && code[j + 1] === "{") {
        open.push(depth++);
        return [j + 2, true];
      } else j++;
    }
    return [n, false];
  };
  const regexEnd = (from) => {
    let j = from + 1;
    let inClass = false;
    while (j < n && code[j] !== "\n") {
      const c = code[j];
      if (c === "\\") j += 2;
      else if (c === "/" && !inClass) break;
      else {
        if (c === "[") inClass = true;
        if (c === "]") inClass = false;
        j++;
      }
    }
    j++;
    while (j < n && /[a-z]/.test(code[j])) j++; // its flags
    return j;
  };
  const upTo = (text, from, past = 0) => {
    const at = code.indexOf(text, from);
    return at < 0 ? n : at + past;
  };
  const gap = (from) => {
    // Past spaces and comments.
    let j = from;
    for (;;) {
      while (j < n && /\s/.test(code[j])) j++;
      if (code.startsWith("//", j)) j = upTo("\n", j);
      else if (code.startsWith("/*", j)) j = upTo("*/", j + 2, 2);
      else return j;
    }
  };
  // `require` at `start`, its name ending at `from`: the call's literal argument, if any.
  const literalCall = (start, from) => {
    let j = gap(from);
    if (code[j] !== "(") return null;
    j = gap(j + 1);
    const quote = code[j];
    if (quote !== '"' && quote !== "'" && quote !== "`") return null;
    const end = stringEnd(j);
    const name = code.slice(j + 1, end - 1);
    if (quote === "`" && name.includes("${")) return null;
    const close = gap(end);
    if (code[close] !== ")") return null;
    return { module: name, text: code.slice(start, close + 1), ...placeAt(code, start) };
  };

  if (code.startsWith("#!")) i = upTo("\n", 0); // a hashbang line
  while (i < n) {
    const c = code[i];
    if (/\s/.test(c) || code.startsWith("//", i) || code.startsWith("/*", i)) {
      i = Math.max(gap(i), i + 1);
    } else if (c === '"' || c === "'") {
      i = stringEnd(i);
      regexHere = false;
    } else if (c === "`") {
      [i, regexHere] = templateFrom(i + 1);
    } else if (c === "/" && regexHere) {
      i = regexEnd(i);
      regexHere = false;
    } else if (c === "}" && open.length && open[open.length - 1] === depth - 1) {
      open.pop();
      depth--;
      [i, regexHere] = templateFrom(i + 1);
    } else if (IDENTIFIER_START.test(c)) {
      let j = i + 1;
      while (j < n && IDENTIFIER_PART.test(code[j])) j++;
      const word = code.slice(i, j);
      const member = code[i - 1] === "." && code[i - 2] !== ".";
      const call = word === "require" && !member ? literalCall(i, j) : null;
      if (call) found.push(call);
      regexHere = BEFORE_EXPRESSION.has(word) && !member;
      i = j;
    } else if (/[0-9]/.test(c)) {
      while (i < n && /[\w.]/.test(code[i])) i++;
      regexHere = false;
    } else {
      if (c === "{") depth++;
      if (c === "}") depth--;
      regexHere = c !== ")" && c !== "]" && c !== "}";
      i++;
    }
  }
  return found;
}

module.exports = { placeOf, requiresIn, syntaxError };
