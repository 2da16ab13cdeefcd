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

const PRIORITIES: readonly string[] = ["none", "low", "medium", "high"];
const POSITION = /^[0-9A-Za-z]+$/;
const COLOR = /^(red|orange|yellow|green|teal|blue|purple|pink|grey|#[0-9a-f]{6})$/;

function count(value: Json, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) fail(`${what} is not a count`, value);
  return value;
}

export function taskList(value: Json): Schemas["TaskList"] {
  const l = object(value, "TaskList", [
    "object", "id", "name", "color", "position", "open_task_count", "completed_task_count", "etag", "created_at", "updated_at",
  ]);
  if (l.object !== "list") fail("TaskList.object is not list", value);
  return {
    object: "list",
    id: string(l.id, "TaskList.id", UUID),
    name: string(l.name, "TaskList.name"),
    color: nullableString(l.color, "TaskList.color", COLOR),
    position: string(l.position, "TaskList.position", POSITION),
    open_task_count: count(l.open_task_count, "TaskList.open_task_count"),
    completed_task_count: count(l.completed_task_count, "TaskList.completed_task_count"),
    etag: string(l.etag, "TaskList.etag", ENTITY_TAG),
    created_at: string(l.created_at, "TaskList.created_at", DATE_TIME),
    updated_at: string(l.updated_at, "TaskList.updated_at", DATE_TIME),
  };
}

export function taskListPage(value: Json): Schemas["TaskListPage"] {
  const page = object(value, "TaskListPage", ["items", "next_cursor"]);
  if (!Array.isArray(page.items)) fail("TaskListPage.items is not an array", value);
  return {
    items: page.items.map((item) => {
      const kind = typeof item === "object" && item !== null ? (item as Record<string, Json>).object : undefined;
      if (kind === "list") return taskList(item);
      const t = object(item, "TaskListTombstone", ["object", "id", "deleted", "deleted_at"]);
      if (t.object !== "list_tombstone" || t.deleted !== true) fail("TaskListPage item", item);
      return { object: "list_tombstone" as const, id: string(t.id, "id", UUID), deleted: true as const, deleted_at: string(t.deleted_at, "deleted_at", DATE_TIME) };
    }),
    next_cursor: nullableString(page.next_cursor, "TaskListPage.next_cursor"),
  };
}
const ENTITY_TAG = /^"[0-9]+"$/;

export function task(value: Json): Schemas["Task"] {
  const t = object(value, "Task", [
    "object", "id", "title", "description", "completed", "completed_at", "priority", "tags", "due_at", "remind_at",
    "recurrence", "next_occurrence_id", "list_id", "parent_id", "position", "subtask_count",
    "completed_subtask_count", "etag", "created_at", "updated_at",
  ]);
  if (t.object !== "task") fail("Task.object is not task", value);
  if (typeof t.completed !== "boolean") fail("Task.completed is not a boolean", value);
  if (typeof t.priority !== "string" || !PRIORITIES.includes(t.priority)) fail("Task.priority", value);
  if (!Array.isArray(t.tags)) fail("Task.tags is not an array", value);
  return {
    list_id: nullableString(t.list_id, "Task.list_id", UUID),
    parent_id: nullableString(t.parent_id, "Task.parent_id", UUID),
    position: string(t.position, "Task.position", POSITION),
    subtask_count: count(t.subtask_count, "Task.subtask_count"),
    completed_subtask_count: count(t.completed_subtask_count, "Task.completed_subtask_count"),
    object: "task",
    id: string(t.id, "Task.id", UUID),
    title: string(t.title, "Task.title"),
    description: nullableString(t.description, "Task.description"),
    completed: t.completed,
    completed_at: nullableString(t.completed_at, "Task.completed_at", DATE_TIME),
    priority: t.priority as Schemas["Priority"],
    tags: t.tags.map((tag) => string(tag, "Task.tags[]")),
    due_at: nullableString(t.due_at, "Task.due_at", DATE_TIME),
    remind_at: nullableString(t.remind_at, "Task.remind_at", DATE_TIME),
    recurrence: nullableString(t.recurrence, "Task.recurrence"),
    next_occurrence_id: nullableString(t.next_occurrence_id, "Task.next_occurrence_id", UUID),
    etag: string(t.etag, "Task.etag", ENTITY_TAG),
    created_at: string(t.created_at, "Task.created_at", DATE_TIME),
    updated_at: string(t.updated_at, "Task.updated_at", DATE_TIME),
  };
}

export function tombstone(value: Json): Schemas["TaskTombstone"] {
  const t = object(value, "TaskTombstone", ["object", "id", "deleted", "deleted_at"]);
  if (t.object !== "task_tombstone") fail("TaskTombstone.object is not task_tombstone", value);
  if (t.deleted !== true) fail("TaskTombstone.deleted is not true", value);
  return {
    object: "task_tombstone",
    id: string(t.id, "TaskTombstone.id", UUID),
    deleted: true,
    deleted_at: string(t.deleted_at, "TaskTombstone.deleted_at", DATE_TIME),
  };
}

// The page's items are told apart by their discriminator, `object`.
function taskPageItem(value: Json): Schemas["TaskPageItem"] {
  const kind = typeof value === "object" && value !== null ? (value as Record<string, Json>).object : undefined;
  if (kind === "task") return task(value);
  if (kind === "task_tombstone") return tombstone(value);
  return fail("TaskPageItem.object is neither task nor task_tombstone", value);
}

export function taskPage(value: Json): Schemas["TaskPage"] {
  const page = object(value, "TaskPage", ["items", "next_cursor"]);
  if (!Array.isArray(page.items)) fail("TaskPage.items is not an array", value);
  return {
    items: page.items.map(taskPageItem),
    next_cursor: nullableString(page.next_cursor, "TaskPage.next_cursor"),
  };
}

export function tagList(value: Json): Schemas["TagList"] {
  const list = object(value, "TagList", ["items", "next_cursor"]);
  if (!Array.isArray(list.items)) fail("TagList.items is not an array", value);
  return {
    items: list.items.map((item) => {
      const tag = object(item, "TagCount", ["name", "count"]);
      if (typeof tag.count !== "number" || !Number.isInteger(tag.count) || tag.count < 1) fail("TagCount.count", item);
      return { name: string(tag.name, "TagCount.name"), count: tag.count };
    }),
    next_cursor: nullableString(list.next_cursor, "TagList.next_cursor"),
  };
}

export function batchResult(value: Json): Schemas["TaskBatchResult"] {
  const result = object(value, "TaskBatchResult", ["results"]);
  if (!Array.isArray(result.results)) fail("TaskBatchResult.results is not an array", value);
  return {
    results: result.results.map((item) => {
      const r = object(item, "BatchResult", ["op", "id", "task"]);
      if (r.op !== "create" && r.op !== "update" && r.op !== "delete") fail("BatchResult.op", item);
      return { op: r.op, id: string(r.id, "BatchResult.id", UUID), task: r.task === null ? null : task(r.task) };
    }),
  };
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

function fieldErrors(value: Json, what: string): Schemas["FieldError"][] {
  if (!Array.isArray(value) || value.length === 0) return fail(`${what} is not a non-empty array`, value);
  return value.map((error) => {
    const e = object(error, "FieldError", ["pointer", "detail"]);
    return { pointer: string(e.pointer, "FieldError.pointer", /^\//), detail: string(e.detail, "FieldError.detail") };
  });
}

export function problem(value: Json, status: number): Schemas["Problem"] {
  const p = object(value, "Problem", ["type", "title", "status", "detail", "instance", "request_id"], ["errors"]);
  if (p.status !== status) fail(`Problem.status is not ${status}`, value);
  const result: Schemas["Problem"] = {
    type: string(p.type, "Problem.type", /^urn:tasks-api:problem:/),
    title: string(p.title, "Problem.title"),
    status,
    detail: string(p.detail, "Problem.detail"),
    instance: string(p.instance, "Problem.instance", /^\//),
    request_id: string(p.request_id, "Problem.request_id", /^[A-Za-z0-9._-]+$/),
  };
  if ("errors" in p) result.errors = fieldErrors(p.errors, "Problem.errors");
  return result;
}

// A 422: a problem that always lists what is invalid.
export function validationProblem(value: Json): Schemas["ValidationProblem"] {
  const base = problem(value, 422);
  return { ...base, errors: fieldErrors((value as Record<string, Json>).errors, "ValidationProblem.errors") };
}

export function oauth2Error(value: Json): Schemas["OAuth2Error"] {
  const e = object(value, "OAuth2Error", ["error", "error_description"]);
  if (e.error !== "invalid_request" && e.error !== "invalid_grant" && e.error !== "unsupported_grant_type") fail("OAuth2Error.error", value);
  return { error: e.error, error_description: string(e.error_description, "OAuth2Error.error_description", /^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/) };
}
