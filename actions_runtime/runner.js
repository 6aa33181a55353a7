// Runs Auth0-style credentials-exchange Actions, as the bundled authority and m2m-tui's
// `actions test` and `preview` do: the same file, so a preview is what the token
// endpoint will do. It stays up (the caller keeps a few in a pool) and reads one JSON
// request per line on stdin, answering each before the next:
//   {"actions": [{"name", "code", "secrets": {}}], "event": {...}, "timeout_ms": n}
// with one JSON line per Action, in order, as each ends (the caller kills this process
// when an Action outlives the time left, and the lines so far say which one), then
// {"done": true}:
//   {"name", "claims": [[name, value], ...], "deny": [code, reason] | null,
//    "error": string | null, "line": n | null, "column": n | null,
//    "timed_out": boolean, "logs": [...], "ms": n}
// ("error" is what the Action threw, its name and message, and "line" and "column" where
// in the Action's own code (source.js); "timed_out" that its time ran out: a field of
// its own, so no message an Action throws can pass for it.)
// A request {"check": true, "actions": [{"name", "code"}]} runs nothing: one line per
// Action says what a deploy refuses in its code (`checked`, below), then {"done": true}.
// Each Action runs in a context of its own (node:vm): no require beyond a few built-in
// modules, no process, no globals shared with the others. A vm context is not a
// security boundary against hostile code; these are the tenant's own Actions, run on
// the machine of the person who wrote them (and one that changes a shared built-in, as
// Buffer's prototype, changes it for the exchanges after it in the same process).
"use strict";
const vm = require("node:vm");
const util = require("node:util");
const { placeOf, requiresIn, syntaxError } = require("./source.js");

const DENY_CODES = ["invalid_scope", "invalid_request", "server_error"];
const BUILT_INS = new Set(["crypto", "url", "util", "querystring", "buffer", "assert"]);
const bare = (name) => String(name).replace(/^node:/, "");
const given = (name) => BUILT_INS.has(bare(name)); // what an Action may require here

function copy(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function apiFor(result, cache) {
  const api = {
    access: {
      deny(code, reason) {
        if (!DENY_CODES.includes(code)) {
          throw new Error(
            `api.access.deny: code must be one of ${DENY_CODES.join(", ")} (got ${JSON.stringify(code)})`,
          );
        }
        if (result.deny === null) result.deny = [code, reason === undefined ? "" : String(reason)];
        return api;
      },
    },
    accessToken: {
      setCustomClaim(name, value) {
        if (typeof name !== "string" || name === "") {
          throw new Error("api.accessToken.setCustomClaim: the claim's name must be a non-empty string");
        }
        let json;
        try {
          json = JSON.stringify(value);
        } catch (e) {
          throw new Error(`api.accessToken.setCustomClaim: the value of ${name} is not JSON (${e.message})`);
        }
        if (json !== undefined) result.claims.push([name, JSON.parse(json)]);
        return api;
      },
    },
    // Kept for one run only: the bundled authority starts a fresh runner per request.
    cache: {
      get: (key) => (cache.has(key) ? { value: cache.get(key) } : undefined),
      set: (key, value) => (cache.set(key, String(value)), { type: "success" }),
      delete: (key) => (cache.delete(key), { type: "success" }),
    },
  };
  return api;
}

function contextFor(result) {
  const log = (...args) => result.logs.push(util.format(...args));
  const module = { exports: {} };
  return vm.createContext({
    module,
    exports: module.exports,
    console: { log, info: log, warn: log, error: log, debug: log },
    require: (name) => {
      if (!given(name)) {
        throw new Error(`require(${JSON.stringify(name)}): only Node's ${[...BUILT_INS].join(", ")} are available here`);
      }
      return require(`node:${bare(name)}`);
    },
    setTimeout,
    clearTimeout,
    URL,
    URLSearchParams,
    TextEncoder,
    TextDecoder,
    Buffer,
    fetch: undefined, // no network: everything runs on one machine, offline
  });
}

// What the timer rejects with: an object no Action can reach, so none can throw it.
const TIMED_OUT = Symbol("timed out");

function timedOut(e, elapsedMs, remainingMs) {
  // The vm's own timeout carries a code any Action could set on an error of its own: it
  // counts only when the time was indeed up (a few ms of leeway for the clocks' grain).
  if (e === TIMED_OUT) return true;
  return Boolean(e && e.code === "ERR_SCRIPT_EXECUTION_TIMEOUT") && elapsedMs >= remainingMs - 10;
}

async function runOne(action, event, remainingMs) {
  const result = {
    name: action.name, claims: [], deny: null, error: null, line: null, column: null,
    timed_out: false, logs: [], ms: 0,
  };
  const started = Date.now();
  const cache = new Map();
  const filename = `${action.name}.js`;
  try {
    const context = contextFor(result);
    vm.runInContext(action.code, context, { filename, timeout: remainingMs });
    const exported = context.module.exports.onExecuteCredentialsExchange ?? context.exports.onExecuteCredentialsExchange;
    if (typeof exported !== "function") {
      throw new Error("the Action does not export onExecuteCredentialsExchange(event, api)");
    }
    context.__handler = exported;
    context.__event = copy({ ...event, secrets: { ...(action.secrets || {}) } });
    context.__api = apiFor(result, cache);
    // Called inside the context, so its synchronous part is bound by the vm's timeout;
    // what it awaits is bound by the timer below (and by the caller's kill).
    const pending = vm.runInContext("__handler(__event, __api)", context, { timeout: remainingMs });
    let timer;
    const limit = new Promise((_, reject) => {
      timer = setTimeout(() => reject(TIMED_OUT), Math.max(1, remainingMs - (Date.now() - started)));
    });
    try {
      await Promise.race([Promise.resolve(pending), limit]);
    } finally {
      clearTimeout(timer);
    }
  } catch (e) {
    if (timedOut(e, Date.now() - started, remainingMs)) {
      result.timed_out = true;
    } else {
      const message = e && e.message !== undefined ? String(e.message) : String(e);
      result.error = `${e && e.name ? e.name : "Error"}: ${message}`;
      Object.assign(result, placeOf(e, filename));
    }
  }
  result.ms = Date.now() - started;
  return result;
}

// What a deploy checks, nothing run: the syntax error that keeps an Action from compiling
// ({"error", "line", "column"} or null), and each module it requires by name that it
// would not be given here (its "module", "text", "line", "column", and "builtin": Node's
// own, or else an npm package), with the modules it would be ("offered").
function checked(actions) {
  const { builtinModules } = require("node:module");
  return actions.map((action) => {
    const syntax = syntaxError(action.code, `${action.name}.js`);
    const refused = syntax ? [] : requiresIn(action.code).filter((r) => !given(r.module));
    return {
      name: action.name,
      syntax,
      requires: refused.map((r) => ({ ...r, builtin: builtinModules.includes(bare(r.module)) })),
      offered: [...BUILT_INS],
    };
  });
}

async function answer(request, write) {
  if (request.check) {
    for (const line of checked(request.actions)) write(line);
    return;
  }
  const deadline = Date.now() + request.timeout_ms;
  for (const action of request.actions) {
    const result = await runOne(action, request.event, Math.max(1, deadline - Date.now()));
    write(result);
    if (result.deny !== null || result.error !== null || result.timed_out) break; // the exchange ends here
  }
}

const write = (line) => process.stdout.write(JSON.stringify(line) + "\n");

async function main() {
  // Kept running by the caller's pool: one request per line, one at a time, each
  // answered by its lines and then {"done": true}. Ends when stdin closes (the caller,
  // or its process, is gone).
  const lines = require("node:readline").createInterface({ input: process.stdin });
  for await (const line of lines) {
    await answer(JSON.parse(line), write);
    write({ done: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(String(e && e.stack ? e.stack : e));
    process.exit(2);
  },
);
