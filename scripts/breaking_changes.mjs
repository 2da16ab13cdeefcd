// Breaking changes between two versions of the contract, by api-smart-diff (npm; it runs
// offline and reads OpenAPI 3.1). Used by scripts/breaking-changes:
//   node scripts/breaking_changes.mjs BASE.yaml NEW.yaml [--accepted ACCEPTED.yaml] [--released]
// Exit 1 when NEW breaks a client of BASE and info.version's major part is the same in both,
// unless ACCEPTED lists every such change; with --released (BASE is a release) ACCEPTED must
// list nothing: accepting is for the time before the first release.
//
// Two things are smoothed over before comparing, both spellings of the same contract that
// api-smart-diff would otherwise misjudge:
// - responses given by `$ref` to components/responses are inlined: api-smart-diff 1.0.6 judges
//   a change under such a reference by the rules for requests (so a response field becoming
//   required looks breaking);
// - `\u00XX` escapes in patterns are written `\xXX`: the same regular expression.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { apiCompare } from "api-smart-diff";
import { parse } from "yaml";

export function normalize(document) {
  const copy = structuredClone(document);
  const responses = copy.components?.responses ?? {};
  for (const item of Object.values(copy.paths ?? {})) {
    for (const operation of Object.values(item ?? {})) {
      if (!operation || typeof operation !== "object" || !operation.responses) continue;
      for (const [status, response] of Object.entries(operation.responses)) {
        const ref = response?.$ref;
        if (typeof ref === "string" && ref.startsWith("#/components/responses/")) {
          operation.responses[status] = structuredClone(responses[ref.slice("#/components/responses/".length)]);
        }
      }
    }
  }
  const escapes = (node) => {
    if (Array.isArray(node)) return node.forEach(escapes);
    if (!node || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "pattern" && typeof value === "string") {
        node[key] = value.replace(/\\u00([0-9A-Fa-f]{2})/g, "\\x$1");
      } else {
        escapes(value);
      }
    }
  };
  escapes(copy.paths);
  escapes(copy.components);
  return copy;
}

export function majorOf(document) {
  const match = /^(\d+)\./.exec(String(document.info?.version ?? ""));
  if (!match) throw new Error(`info.version ${document.info?.version} is not MAJOR.MINOR.PATCH`);
  return Number(match[1]);
}

// Where a change is, as the operation sees it: /api/v1/tasks/post/requestBody/...
function where(diff) {
  return diff.path.slice(1).join("/").replace(/^\/+/, "/");
}

function globToRegExp(glob) {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}

export function breakingChanges(before, after) {
  const { diffs } = apiCompare(normalize(before), normalize(after));
  // Only what clients see: the operations (components are judged through their uses).
  return diffs
    .filter((diff) => diff.type === "breaking" && diff.path[0] === "paths")
    .map((diff) => ({ action: diff.action, where: where(diff), description: diff.description ?? "" }));
}

export function check(before, after, accepted = []) {
  const changes = breakingChanges(before, after);
  const matchers = accepted.map((entry) => ({ ...entry, regexp: globToRegExp(entry.where) }));
  const used = new Set();
  const unaccepted = [];
  for (const change of changes) {
    const index = matchers.findIndex((entry) => entry.action === change.action && entry.regexp.test(change.where));
    if (index === -1) unaccepted.push(change);
    else used.add(index);
  }
  const majorChanged = majorOf(after) !== majorOf(before);
  return {
    changes,
    unaccepted,
    unused: accepted.filter((_, index) => !used.has(index)),
    majorChanged,
    ok: unaccepted.length === 0 || majorChanged,
  };
}

function load(file) {
  return parse(readFileSync(file, "utf8"));
}

function main(args) {
  const [baseFile, newFile] = args.filter((arg, index) => !arg.startsWith("--") && args[index - 1] !== "--accepted");
  const acceptedFile = args.includes("--accepted") ? args[args.indexOf("--accepted") + 1] : undefined;
  if (!baseFile || !newFile) throw new Error("usage: breaking_changes.mjs BASE.yaml NEW.yaml [--accepted FILE] [--released]");
  const before = load(baseFile);
  const after = load(newFile);
  const accepted = acceptedFile ? (load(acceptedFile)?.accepted ?? []) : [];
  if (args.includes("--released") && accepted.length > 0) {
    console.log(`${acceptedFile} accepts ${accepted.length} change(s), but the base is a release: empty it`);
    return 1;
  }
  const result = check(before, after, accepted);
  const versions = `${before.info.version} -> ${after.info.version}`;
  for (const change of result.changes) {
    const mark = result.unaccepted.includes(change) ? "BREAKING" : "accepted";
    console.log(`${mark}: ${change.action} ${change.where}  ${change.description}`);
  }
  for (const entry of result.unused) console.log(`note: accepted change no longer seen (delete it): ${entry.action} ${entry.where}`);
  if (result.unaccepted.length === 0) {
    console.log(`no unaccepted breaking change (${result.changes.length} accepted; ${versions})`);
  } else if (result.majorChanged) {
    console.log(`${result.unaccepted.length} breaking change(s), allowed by the new major version (${versions})`);
  } else {
    console.log(`${result.unaccepted.length} breaking change(s) without a new major version (${versions})`);
  }
  return result.ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
