// End to end through the client generated from openapi.yaml, against a live server (through
// Prism's validating proxy in scripts/client-check):
//   node build/src/e2e.mjs BASE_URL [HEAD_URL]   (HEAD_URL: where HEAD goes, if not to BASE_URL)
// Every response's status, media type and body shape is checked against the contract, so the
// run fails when the server and the contract disagree.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "../generated/api.js";
import * as shapes from "./shapes.mjs";

// Node's `process`, declared here rather than pulling in @types/node for one field.
declare const process: { argv: string[] };

const baseUrl = process.argv[2];
if (!baseUrl) throw new Error("usage: e2e.mjs BASE_URL [HEAD_URL]");
const headUrl = process.argv[3] ?? baseUrl;

const client = createClient<paths>({ baseUrl });
const direct = createClient<paths>({ baseUrl: headUrl });
let accessToken: string | undefined;
const bearer: Middleware = {
  onRequest({ request }) {
    if (accessToken !== undefined) request.headers.set("Authorization", `Bearer ${accessToken}`);
    return request;
  },
};
client.use(bearer);
direct.use(bearer);

let steps = 0;
function expect(response: Response, status: number, mediaType: string | null, step: string): void {
  const actual = response.headers.get("content-type");
  if (response.status !== status) throw new shapes.ContractViolation(`${step}: status ${response.status}, expected ${status}`);
  if (mediaType !== null && actual !== mediaType) throw new shapes.ContractViolation(`${step}: content-type ${actual}, expected ${mediaType}`);
  steps += 1;
  console.log(`ok ${steps} - ${step}`);
}
const JSON_TYPE = "application/json";
const PROBLEM_TYPE = "application/problem+json";

const email = `ts-client-${Date.now()}@example.com`;
const password = "typescript client password";

// Register, then log in with the OAuth2 password grant (a form body); a failed grant is an
// OAuth2 error (RFC 6749 §5.2), typed as such.
const registered = await client.POST("/api/v1/auth/register", { body: { email, password } });
expect(registered.response, 201, JSON_TYPE, "register");
const user = shapes.user(registered.data);
if (user.email !== email) throw new shapes.ContractViolation(`registered ${user.email}, not ${email}`);

const form = {
  bodySerializer: (body: Record<string, string>) => new URLSearchParams(body),
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
};
const refused = await client.POST("/api/v1/auth/token", { body: { grant_type: "password", username: email, password: "wrong password" }, ...form });
expect(refused.response, 400, JSON_TYPE, "log in with a wrong password: 400 OAuth2 error");
const grantError: components["schemas"]["OAuth2Error"] = shapes.oauth2Error(refused.error);
if (grantError.error !== "invalid_grant") throw new shapes.ContractViolation(`wrong password: ${grantError.error}`);

const login = await client.POST("/api/v1/auth/token", { body: { grant_type: "password", username: email, password }, ...form });
expect(login.response, 200, JSON_TYPE, "log in (form body)");
let tokens = shapes.tokenPair(login.data);
accessToken = tokens.access_token;

const me = await client.GET("/api/v1/users/me");
expect(me.response, 200, JSON_TYPE, "get the current user");
if (shapes.user(me.data).id !== user.id) throw new shapes.ContractViolation("me is someone else");

// Tasks: create, list (the page envelope), get, patch, replace, then conditional requests,
// idempotent retries, recurrence, tags, a batch and delta sync.
const created = await client.POST("/api/v1/tasks", { body: { title: "  Buy milk  ", description: "Two litres" } });
expect(created.response, 201, JSON_TYPE, "create a task");
const task = shapes.task(created.data);
if (task.title !== "Buy milk" || task.completed || task.completed_at !== null) throw new shapes.ContractViolation("created task");
if (created.response.headers.get("location") !== `/api/v1/tasks/${task.id}`) throw new shapes.ContractViolation("Location header");

await client.POST("/api/v1/tasks", { body: { title: "Second" } });
const page = await client.GET("/api/v1/tasks", { params: { query: { limit: 1 } } });
expect(page.response, 200, JSON_TYPE, "list tasks, first page");
const first = shapes.taskPage(page.data);
if (first.items.length !== 1 || first.next_cursor === null) throw new shapes.ContractViolation("first page");
const next = await client.GET("/api/v1/tasks", { params: { query: { limit: 1, cursor: first.next_cursor } } });
expect(next.response, 200, JSON_TYPE, "list tasks, next page by cursor");
const second = shapes.taskPage(next.data);
if (second.items[0]?.id !== task.id || second.next_cursor !== null) throw new shapes.ContractViolation("second page");

// A filtered listing (tags, priorities, sort), followed over three pages.
for (const [index, priority] of (["high", "medium", "high", "low"] as const).entries()) {
  const paged = await client.POST("/api/v1/tasks", {
    body: { title: `Paged ${index}`, tags: ["paged"], due_at: `2030-01-0${index + 1}T09:00:00Z`, priority },
  });
  expect(paged.response, 201, JSON_TYPE, `create a task with tags, a due date and priority ${priority}`);
}
const pagedTitles: string[] = [];
let cursor: string | null = null;
let pages = 0;
do {
  const query = { tag: ["paged"], priority: ["high" as const, "medium" as const], sort: "due_at" as const, limit: 1 };
  const listed = await client.GET("/api/v1/tasks", { params: { query: cursor === null ? query : { ...query, cursor } } });
  expect(listed.response, 200, JSON_TYPE, `filtered listing, page ${pages + 1}`);
  const body = shapes.taskPage(listed.data);
  for (const item of body.items) if (item.object === "task") pagedTitles.push(item.title);
  cursor = body.next_cursor;
  pages += 1;
} while (cursor !== null && pages < 10);
if (pages !== 3 || pagedTitles.join(",") !== "Paged 0,Paged 1,Paged 2") throw new shapes.ContractViolation(`filtered pages: ${pagedTitles.join(",")}`);

const fetched = await client.GET("/api/v1/tasks/{task_id}", { params: { path: { task_id: task.id } } });
expect(fetched.response, 200, JSON_TYPE, "get the task");
if (JSON.stringify(shapes.task(fetched.data)) !== JSON.stringify(task)) throw new shapes.ContractViolation("fetched task differs");

const patched = await client.PATCH("/api/v1/tasks/{task_id}", { params: { path: { task_id: task.id } }, body: { completed: true } });
expect(patched.response, 200, JSON_TYPE, "patch: complete the task");
const completed = shapes.task(patched.data);
if (!completed.completed || completed.completed_at === null || completed.title !== "Buy milk") throw new shapes.ContractViolation("patched task");

const replaced = await client.PUT("/api/v1/tasks/{task_id}", {
  params: { path: { task_id: task.id } },
  body: { title: "Buy oat milk", completed: false },
});
expect(replaced.response, 200, JSON_TYPE, "replace the task");
const replacement = shapes.task(replaced.data);
if (replacement.description !== null || replacement.completed || replacement.completed_at !== null) throw new shapes.ContractViolation("replaced task");

// Conditional requests: the ETag names the version; a stale If-Match is refused, a current
// If-None-Match needs no body.
if (replaced.response.headers.get("etag") !== replacement.etag) throw new shapes.ContractViolation("ETag header");
const stale = await client.PATCH("/api/v1/tasks/{task_id}", {
  params: { path: { task_id: task.id }, header: { "If-Match": '"1"' } },
  body: { title: "lost update" },
});
expect(stale.response, 412, PROBLEM_TYPE, "patch with a stale If-Match: 412 problem");
const staleProblem: components["schemas"]["Problem"] = shapes.problem(stale.error, 412);
if (!staleProblem.detail.includes("changed")) throw new shapes.ContractViolation(`412 detail: ${staleProblem.detail}`);
const unchanged = await client.GET("/api/v1/tasks/{task_id}", {
  params: { path: { task_id: task.id }, header: { "If-None-Match": replacement.etag } },
});
expect(unchanged.response, 304, null, "get with a current If-None-Match: 304");
const headed = await direct.HEAD("/api/v1/tasks/{task_id}", { params: { path: { task_id: task.id } } });
expect(headed.response, 200, JSON_TYPE, "HEAD the task: the GET's headers");
if (headed.response.headers.get("etag") !== replacement.etag) throw new shapes.ContractViolation("HEAD ETag");
if (unchanged.response.headers.get("content-type") !== null) throw new shapes.ContractViolation("a 304 has a Content-Type");

const since = new Date().toISOString();
const deleted = await client.DELETE("/api/v1/tasks/{task_id}", {
  params: { path: { task_id: task.id }, header: { "If-Match": replacement.etag } },
});
expect(deleted.response, 204, null, "delete the task (If-Match)");
if (deleted.response.headers.get("content-type") !== null) throw new shapes.ContractViolation("a 204 has a Content-Type");

// A recurring task, created once whatever the retries, completed: its next occurrence exists.
const recurringBody = {
  title: "Water the plants",
  priority: "medium" as const,
  tags: ["home", "Plants"],
  due_at: "2026-01-05T18:00:00Z",
  remind_at: "2026-01-05T17:30:00Z",
  recurrence: "FREQ=WEEKLY;BYDAY=MO,TH",
};
const key = `e2e-${Date.now()}`;
const recurringCreated = await client.POST("/api/v1/tasks", { params: { header: { "Idempotency-Key": key } }, body: recurringBody });
expect(recurringCreated.response, 201, JSON_TYPE, "create a recurring task with an Idempotency-Key");
const retried = await client.POST("/api/v1/tasks", { params: { header: { "Idempotency-Key": key } }, body: recurringBody });
expect(retried.response, 201, JSON_TYPE, "retry it: the same response");
const recurring = shapes.task(recurringCreated.data);
if (shapes.task(retried.data).id !== recurring.id) throw new shapes.ContractViolation("a retry created another task");
const done = await client.POST("/api/v1/tasks/{task_id}/complete", { params: { path: { task_id: recurring.id } } });
expect(done.response, 200, JSON_TYPE, "complete the recurring task");
const following = shapes.task(done.data).next_occurrence_id;
if (following === null) throw new shapes.ContractViolation("no next occurrence");
const next_occurrence = await client.GET("/api/v1/tasks/{task_id}", { params: { path: { task_id: following } } });
expect(next_occurrence.response, 200, JSON_TYPE, "get the next occurrence");
if (shapes.task(next_occurrence.data).completed) throw new shapes.ContractViolation("next occurrence completed");

const tags = await client.GET("/api/v1/tags");
expect(tags.response, 200, JSON_TYPE, "list the tags");
if (shapes.tagList(tags.data).items.map((tag) => `${tag.name}:${tag.count}`).join(",") !== "home:2,paged:4,Plants:2") {
  throw new shapes.ContractViolation("tag counts");
}

const batch = await client.POST("/api/v1/tasks/batch", {
  body: { operations: [{ op: "create", task: { title: "From a batch" } }, { op: "delete", id: following }] },
});
expect(batch.response, 200, JSON_TYPE, "a batch: create one task, delete another");
if (shapes.batchResult(batch.data).results.map((result) => result.op).join(",") !== "create,delete") {
  throw new shapes.ContractViolation("batch results");
}

// Delta sync: what changed since, including tombstones of deleted tasks.
const delta = await client.GET("/api/v1/tasks", { params: { query: { updated_since: since, sort: "updated_at" } } });
expect(delta.response, 200, JSON_TYPE, "delta sync with updated_since");
const changes = shapes.taskPage(delta.data).items;
// Narrowed by the discriminator: a tombstone has deleted_at, a task has a title.
const gone = changes.flatMap((item) => (item.object === "task_tombstone" ? [item.id] : []));
if (changes.some((item) => item.object === "task" && item.title === undefined)) throw new shapes.ContractViolation("a task without a title");
if (!gone.includes(task.id) || !gone.includes(following)) throw new shapes.ContractViolation("tombstones missing");

// Lists, a drag-and-drop reorder and a subtask tree, as a frontend builds them.
const listCreated = await client.POST("/api/v1/lists", { body: { name: `Groceries ${Date.now()}`, color: "green" } });
expect(listCreated.response, 201, JSON_TYPE, "create a list");
const groceries = shapes.taskList(listCreated.data);
const inList: components["schemas"]["Task"][] = [];
for (const title of ["Milk", "Bread", "Eggs"]) {
  const made = await client.POST("/api/v1/tasks", { body: { title, list_id: groceries.id } });
  expect(made.response, 201, JSON_TYPE, `create "${title}" in the list`);
  inList.push(shapes.task(made.data));
}
const [milk, bread, eggs] = inList as [components["schemas"]["Task"], components["schemas"]["Task"], components["schemas"]["Task"]];
const dragged = await client.POST("/api/v1/tasks/{task_id}/move", {
  params: { path: { task_id: eggs.id }, header: { "If-Match": eggs.etag } },
  body: { before_id: milk.id },
});
expect(dragged.response, 200, JSON_TYPE, "drag Eggs above Milk (move before_id, If-Match)");
if (shapes.task(dragged.data).etag === eggs.etag) throw new shapes.ContractViolation("a move did not change the ETag");
const ordered = await client.GET("/api/v1/tasks", { params: { query: { list_id: groceries.id, sort: "position" } } });
expect(ordered.response, 200, JSON_TYPE, "the list's tasks in the user's order");
const order = shapes.taskPage(ordered.data).items.flatMap((item) => (item.object === "task" ? [item.title] : []));
if (order.join(",") !== "Eggs,Milk,Bread") throw new shapes.ContractViolation(`order after the drag: ${order.join(",")}`);
const notSibling = await client.POST("/api/v1/tasks/{task_id}/move", { params: { path: { task_id: bread.id } }, body: { after_id: recurring.id } });
expect(notSibling.response, 422, PROBLEM_TYPE, "move next to a task in another list: 422 problem");
if (shapes.validationProblem(notSibling.error).errors[0]?.pointer !== "/body/after_id") throw new shapes.ContractViolation("422 pointer");

const oat = await client.POST("/api/v1/tasks", { body: { title: "Oat milk", parent_id: milk.id } });
expect(oat.response, 201, JSON_TYPE, "create a subtask of Milk");
const oatMilk = shapes.task(oat.data);
if (oatMilk.list_id !== groceries.id || oatMilk.parent_id !== milk.id) throw new shapes.ContractViolation("a subtask is in its parent's list");
const barista = await client.POST("/api/v1/tasks", { body: { title: "Barista edition", parent_id: oatMilk.id } });
expect(barista.response, 201, JSON_TYPE, "create a sub-subtask");
const underBread = await client.POST("/api/v1/tasks/{task_id}/move", { params: { path: { task_id: oatMilk.id } }, body: { parent_id: bread.id } });
expect(underBread.response, 200, JSON_TYPE, "move the subtree under Bread");
const cycle = await client.PATCH("/api/v1/tasks/{task_id}", { params: { path: { task_id: bread.id } }, body: { parent_id: shapes.task(barista.data).id } });
expect(cycle.response, 422, PROBLEM_TYPE, "make Bread a subtask of its own sub-subtask: 422 problem");
const finished = await client.POST("/api/v1/tasks/{task_id}/complete", { params: { path: { task_id: bread.id } } });
expect(finished.response, 200, JSON_TYPE, "complete Bread: its open subtasks too");
const breadDone = shapes.task(finished.data);
if (breadDone.subtask_count !== 1 || breadDone.completed_subtask_count !== 1) throw new shapes.ContractViolation("subtask counts");
const tree = await client.GET("/api/v1/tasks", { params: { query: { parent_id: oatMilk.id } } });
expect(tree.response, 200, JSON_TYPE, "list the subtasks of a subtask");
if (!shapes.taskPage(tree.data).items.every((item) => item.object === "task" && item.completed)) throw new shapes.ContractViolation("open sub-subtask");
const lists = await client.GET("/api/v1/lists");
expect(lists.response, 200, JSON_TYPE, "list the lists");
const listed = shapes.taskListPage(lists.data).items.find((item) => item.id === groceries.id);
if (listed?.object !== "list" || listed.open_task_count !== 2 || listed.completed_task_count !== 3) throw new shapes.ContractViolation("list counts");
const removed = await client.DELETE("/api/v1/lists/{list_id}", { params: { path: { list_id: groceries.id }, query: { tasks: "delete" } } });
expect(removed.response, 204, null, "delete the list with its tasks");
const goneTask = await client.GET("/api/v1/tasks/{task_id}", { params: { path: { task_id: milk.id } } });
expect(goneTask.response, 404, PROBLEM_TYPE, "a task of the deleted list: 404 problem");

// Errors are problem documents: a 404 for the deleted task, a 422 for fields that the schema
// allows but the server refuses together (Prism refuses requests the schema does not allow
// before they reach the server).
const missing = await client.GET("/api/v1/tasks/{task_id}", { params: { path: { task_id: task.id } } });
expect(missing.response, 404, PROBLEM_TYPE, "get the deleted task: 404 problem");
shapes.problem(missing.error, 404);

const invalid = await client.POST("/api/v1/tasks", {
  body: { title: "x", due_at: "2030-01-01T09:00:00Z", remind_at: "2030-01-02T09:00:00Z", recurrence: "FREQ=DAILY;COUNT=0" },
});
expect(invalid.response, 422, PROBLEM_TYPE, "create with a reminder after the due date and a rule without occurrences: 422 problem");
const problem: components["schemas"]["ValidationProblem"] = shapes.validationProblem(invalid.error);
const pointers = problem.errors.map((error) => error.pointer).sort().join(",");
if (pointers !== "/body/recurrence,/body/remind_at") throw new shapes.ContractViolation(`422 names ${pointers}`);

// Refresh rotates the refresh token; logout revokes the login, so its refresh token is dead.
const refreshed = await client.POST("/api/v1/auth/refresh", { body: { refresh_token: tokens.refresh_token } });
expect(refreshed.response, 200, JSON_TYPE, "refresh the tokens");
const used = tokens.refresh_token;
tokens = shapes.tokenPair(refreshed.data);
if (tokens.refresh_token === used) throw new shapes.ContractViolation("refresh token not rotated");
accessToken = tokens.access_token;

const logout = await client.POST("/api/v1/auth/logout", { body: { refresh_token: tokens.refresh_token } });
expect(logout.response, 204, null, "log out");
const revoked = await client.POST("/api/v1/auth/refresh", { body: { refresh_token: tokens.refresh_token } });
expect(revoked.response, 401, PROBLEM_TYPE, "refresh after logout: 401 problem");
shapes.problem(revoked.error, 401);

console.log(`${steps} passed, 0 failed`);
