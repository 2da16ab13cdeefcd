// Runtime checks of response bodies against the contract's schemas: the generated types
// describe what the contract promises, these prove the server kept the promise. Each check
// demands every required field with the right JSON type and no field the contract lacks.
import type { components } from "../generated/api.js";

type Schemas = components["schemas"];
type Json = unknown;

export class ContractViolation extends Error {}

function fail(what: string, value: Json): never {
  throw new ContractViolation(`${what}: ${JSON.stringify(value)}`);
}

function object(value: Json, what: string, keys: readonly string[], optional: readonly string[] = []): Record<string, Json> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(`${what} is not an object`, value);
  const record = value as Record<string, Json>;
  for (const key of keys) if (!(key in record)) fail(`${what} lacks ${key}`, value);
  for (const key of Object.keys(record)) {
    if (!keys.includes(key) && !optional.includes(key)) fail(`${what} has undocumented ${key}`, value);
  }
  return record;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function string(value: Json, what: string, pattern?: RegExp): string {
  if (typeof value !== "string" || (pattern !== undefined && !pattern.test(value))) fail(`${what} is not a valid string`, value);
  return value;
}

function nullableString(value: Json, what: string, pattern?: RegExp): string | null {
  return value === null ? null : string(value, what, pattern);
}

export function task(value: Json): Schemas["Task"] {
  const t = object(value, "Task", ["id", "title", "description", "completed", "completed_at", "created_at", "updated_at"]);
  if (typeof t.completed !== "boolean") fail("Task.completed is not a boolean", value);
  return {
    id: string(t.id, "Task.id", UUID),
    title: string(t.title, "Task.title"),
    description: nullableString(t.description, "Task.description"),
    completed: t.completed,
    completed_at: nullableString(t.completed_at, "Task.completed_at", DATE_TIME),
    created_at: string(t.created_at, "Task.created_at", DATE_TIME),
    updated_at: string(t.updated_at, "Task.updated_at", DATE_TIME),
  };
}

export function taskPage(value: Json): Schemas["TaskPage"] {
  const page = object(value, "TaskPage", ["items", "next_cursor"]);
  if (!Array.isArray(page.items)) fail("TaskPage.items is not an array", value);
  return { items: page.items.map(task), next_cursor: nullableString(page.next_cursor, "TaskPage.next_cursor") };
}

export function user(value: Json): Schemas["User"] {
  const u = object(value, "User", ["id", "email", "created_at"]);
  return { id: string(u.id, "User.id", UUID), email: string(u.email, "User.email"), created_at: string(u.created_at, "User.created_at", DATE_TIME) };
}

export function tokenPair(value: Json): Schemas["TokenPair"] {
  const t = object(value, "TokenPair", ["access_token", "token_type", "expires_in", "refresh_token"]);
  if (t.token_type !== "bearer") fail("TokenPair.token_type is not bearer", value);
  if (typeof t.expires_in !== "number" || !Number.isInteger(t.expires_in) || t.expires_in < 1) fail("TokenPair.expires_in", value);
  return {
    access_token: string(t.access_token, "TokenPair.access_token"),
    token_type: "bearer",
    expires_in: t.expires_in,
    refresh_token: string(t.refresh_token, "TokenPair.refresh_token"),
  };
}

export function problem(value: Json, status: number): Schemas["Problem"] {
  const p = object(value, "Problem", ["type", "title", "status"], ["detail", "instance", "request_id", "errors"]);
  if (p.status !== status) fail(`Problem.status is not ${status}`, value);
  const result: Schemas["Problem"] = { type: string(p.type, "Problem.type", /^urn:tasks-api:problem:/), title: string(p.title, "Problem.title"), status };
  if ("detail" in p) result.detail = string(p.detail, "Problem.detail");
  if ("instance" in p) result.instance = string(p.instance, "Problem.instance", /^\//);
  if ("request_id" in p) result.request_id = string(p.request_id, "Problem.request_id");
  if ("errors" in p) {
    if (!Array.isArray(p.errors)) fail("Problem.errors is not an array", value);
    result.errors = p.errors.map((error) => {
      const e = object(error, "FieldError", ["pointer", "detail"]);
      return { pointer: string(e.pointer, "FieldError.pointer", /^\//), detail: string(e.detail, "FieldError.detail") };
    });
  }
  return result;
}
