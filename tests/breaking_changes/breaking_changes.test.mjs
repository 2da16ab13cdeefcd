// The breaking-change check on deliberately breaking (and deliberately harmless) changes to
// the real contract: each fixture below edits a copy of openapi.yaml the way a careless commit
// would. Run by scripts/breaking-changes (node --test) before the real comparison.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parse } from "yaml";
import { breakingChanges, check, normalize } from "../../scripts/breaking_changes.mjs";

const contract = parse(readFileSync(new URL("../../openapi.yaml", import.meta.url), "utf8"));
const [major, minor] = contract.info.version.split(".").map(Number);
const NEXT_MAJOR = `${major + 1}.0.0`;
const NEXT_MINOR = `${major}.${minor + 1}.0`;

function changed(edit, version) {
  const copy = structuredClone(contract);
  edit(copy);
  if (version) copy.info.version = version;
  return copy;
}

// Deliberately breaking: each breaks a client written against openapi.yaml.
const BREAKING = {
  "a task loses its etag": (c) => {
    delete c.components.schemas.Task.properties.etag;
    c.components.schemas.Task.required = c.components.schemas.Task.required.filter((name) => name !== "etag");
  },
  "creating a task needs a priority": (c) => c.components.schemas.TaskCreate.required.push("priority"),
  "GET /tags is gone": (c) => delete c.paths["/api/v1/tags"],
  "a title may be at most 100 characters": (c) => {
    c.components.schemas.Title.maxLength = 100;
  },
  "a priority is gone": (c) => {
    c.components.schemas.Priority.enum = ["none", "low", "high"];
  },
  "listing tasks answers 201": (c) => {
    const responses = c.paths["/api/v1/tasks"].get.responses;
    responses["201"] = responses["200"];
    delete responses["200"];
  },
};

// Deliberately harmless: a client of openapi.yaml keeps working.
const HARMLESS = {
  "a task gains an optional field": (c) => {
    c.components.schemas.Task.properties.color = { type: ["string", "null"], maxLength: 20 };
  },
  "listing tasks gains an optional filter": (c) => {
    c.paths["/api/v1/tasks"].get.parameters.push({ name: "color", in: "query", required: false, schema: { type: "string", maxLength: 20 } });
  },
  "a new operation": (c) => {
    c.paths["/api/v1/tags/{name}"] = structuredClone(c.paths["/api/v1/tags"]);
    c.paths["/api/v1/tags/{name}"].get.operationId = "getTag";
    c.paths["/api/v1/tags/{name}"].head.operationId = "headTag";
  },
  "descriptions are reworded": (c) => {
    c.paths["/api/v1/tasks"].get.description = "Lists tasks.";
  },
};

test("the contract compared with itself has no breaking change", () => {
  const result = check(contract, structuredClone(contract));
  assert.deepEqual(result.changes, []);
  assert.equal(result.ok, true);
});

for (const [name, edit] of Object.entries(BREAKING)) {
  test(`breaking: ${name} fails the check`, () => {
    const result = check(contract, changed(edit));
    assert.ok(result.unaccepted.length > 0, "no breaking change found");
    assert.equal(result.ok, false);
  });
  test(`breaking: ${name} passes with a new major version`, () => {
    const result = check(contract, changed(edit, NEXT_MAJOR));
    assert.ok(result.changes.length > 0);
    assert.equal(result.majorChanged, true);
    assert.equal(result.ok, true);
  });
}

for (const [name, edit] of Object.entries(HARMLESS)) {
  test(`harmless: ${name} passes the check`, () => {
    const result = check(contract, changed(edit));
    assert.deepEqual(result.unaccepted, []);
    assert.equal(result.ok, true);
  });
}

test("a minor version is not enough for a breaking change", () => {
  const result = check(contract, changed(BREAKING["GET /tags is gone"], NEXT_MINOR));
  assert.equal(result.ok, false);
});

test("an accepted change passes, and only the change it names", () => {
  const edit = (c) => {
    BREAKING["GET /tags is gone"](c);
    BREAKING["creating a task needs a priority"](c);
  };
  const accepted = [{ action: "remove", where: "/api/v1/tags/*", reason: "fixture" }];
  const result = check(contract, changed(edit), accepted);
  assert.ok(result.unaccepted.every((change) => change.where.startsWith("/api/v1/tasks")));
  assert.equal(result.ok, false);
  assert.deepEqual(check(contract, changed(BREAKING["GET /tags is gone"]), accepted).ok, true);
});

test("a response made stricter through a $ref is not breaking (api-smart-diff 1.0.6 thinks so)", () => {
  const stricter = changed((c) => {
    c.components.schemas.Problem.properties.title.maxLength = 100;
  });
  assert.deepEqual(breakingChanges(contract, stricter), []);
});

test("a \\u00XX pattern escape and its \\xXX spelling are the same pattern", () => {
  const spelled = changed((c) => {
    c.components.schemas.Password.pattern = "^[^\\u0000]*$";
  });
  assert.equal(normalize(spelled).components.schemas.Password.pattern, contract.components.schemas.Password.pattern);
  assert.deepEqual(breakingChanges(spelled, contract), []);
});
