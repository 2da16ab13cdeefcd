// End to end through the client @hey-api/openapi-ts generates from openapi.yaml (its fetch
// client, types and SDK), against a live server (through Prism's validating proxy in
// scripts/client-check):
//   node build/src/e2e.mjs BASE_URL [HEAD_URL]   (HEAD_URL: where HEAD goes, if not to BASE_URL)
// Every response body is parsed with the Zod schemas generated from the same contract, so the
// run fails when the server and the contract disagree; errors are read as their typed shapes.
import { client } from "../generated/client.gen.js";
import {
  createTask,
  deleteTask,
  getTask,
  headTask,
  issueToken,
  listTags,
  listTasks,
  registerUser,
  updateTask,
} from "../generated/sdk.gen.js";
import { TaskSort, type OAuth2Error, type Problem, type Task, type ValidationProblem } from "../generated/types.gen.js";
import * as schemas from "../generated/zod.gen.js";

declare const process: { argv: string[] };

const baseUrl = process.argv[2];
if (!baseUrl) throw new Error("usage: e2e.mjs BASE_URL [HEAD_URL]");
const headUrl = process.argv[3] ?? baseUrl;

class ContractViolation extends Error {}
let steps = 0;
function ok(step: string): void {
  steps += 1;
  console.log(`ok ${steps} - ${step}`);
}
function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new ContractViolation(what);
}
function expectStatus(response: Response | undefined, status: number, step: string): Response {
  check(response !== undefined, `${step}: no response`);
  check(response.status === status, `${step}: status ${response.status}, expected ${status}`);
  return response;
}
function problem(value: Problem | undefined, status: number, step: string): Problem {
  const parsed = schemas.zProblem.parse(value);
  check(parsed.status === status, `${step}: problem status ${parsed.status}`);
  check(parsed.type.startsWith("urn:tasks-api:problem:"), `${step}: problem type ${parsed.type}`);
  return parsed;
}

let accessToken = "";
client.setConfig({ baseUrl, auth: () => accessToken });

const email = `hey-api-${Date.now()}@example.com`;
const password = "hey api client password";

// Register; a failed login is an OAuth2 error (RFC 6749 §5.2); then log in.
const registered = await registerUser({ body: { email, password } });
expectStatus(registered.response, 201, "register");
check(schemas.zUser.parse(registered.data).email === email, "registered email");
ok("register");

const refused = await issueToken({ body: { grant_type: "password", username: email, password: "not the password" } });
expectStatus(refused.response, 400, "a wrong password");
const grantError: OAuth2Error = schemas.zOAuth2Error.parse(refused.error);
check(grantError.error === "invalid_grant", `a wrong password: ${grantError.error}`);
ok(`a wrong password is a typed OAuth2 error: ${grantError.error} (${grantError.error_description})`);

const login = await issueToken({ body: { grant_type: "password", username: email, password } });
expectStatus(login.response, 200, "log in");
accessToken = schemas.zTokenPair.parse(login.data).access_token;
ok("log in with the password grant (a form body)");

// Create tasks with tags, a due date and a priority.
const created: Task[] = [];
for (const [index, priority] of (["high", "medium", "high", "low"] as const).entries()) {
  const response = await createTask({
    body: { title: `Paged task ${index}`, tags: ["paged", `n${index}`], due_at: `2030-01-0${index + 1}T09:00:00Z`, priority },
  });
  expectStatus(response.response, 201, "create a task");
  created.push(schemas.zTask.parse(response.data));
}
const first = created[0];
check(first !== undefined && first.object === "task" && first.tags.join(",") === "n0,paged", "created task");
check(first.due_at === "2030-01-01T09:00:00Z" && first.priority === "high", "created task fields");
ok(`create ${created.length} tasks with tags, a due date and a priority`);

// A filtered listing, followed over three pages by next_cursor.
const seen: string[] = [];
let cursor: string | undefined;
let pages = 0;
do {
  const page = await listTasks({
    query: { tag: ["paged"], priority: ["high", "medium"], sort: TaskSort.DUE_AT, limit: 1, ...(cursor ? { cursor } : {}) },
  });
  expectStatus(page.response, 200, "list a page");
  const body = schemas.zTaskPage.parse(page.data);
  for (const item of body.items) if (item.object === "task") seen.push(item.title);
  cursor = body.next_cursor ?? undefined;
  pages += 1;
} while (cursor !== undefined && pages < 10);
check(pages === 3, `a filtered listing took ${pages} pages`);
check(seen.join(",") === "Paged task 0,Paged task 1,Paged task 2", `filtered listing: ${seen.join(",")}`);
ok("list with filters (tag, priority, sort) over 3 pages by next_cursor");

const tags = await listTags({ query: { limit: 100 } });
expectStatus(tags.response, 200, "list tags");
check(schemas.zTagList.parse(tags.data).items.some((tag) => tag.name === "paged" && tag.count === 4), "tag counts");
ok("list the tags");

// Conditional requests: 304 for a current If-None-Match (GET and HEAD), 412 for a stale If-Match.
check(first !== undefined, "a task");
const fetched = await getTask({ path: { task_id: first.id } });
const etag = expectStatus(fetched.response, 200, "get a task").headers.get("etag");
check(etag === first.etag, "ETag header");
const unchanged = await getTask({ path: { task_id: first.id }, headers: { "If-None-Match": first.etag } });
expectStatus(unchanged.response, 304, "get with a current If-None-Match");
const head = await headTask({ baseUrl: headUrl, path: { task_id: first.id }, headers: { "If-None-Match": '"0"' } });
check(expectStatus(head.response, 200, "HEAD a task").headers.get("etag") === first.etag, "HEAD ETag");
ok("304 for a current If-None-Match; HEAD has the ETag");

const changed = await updateTask({ path: { task_id: first.id }, body: { title: "Changed" } });
expectStatus(changed.response, 200, "update");
const stale = await updateTask({ path: { task_id: first.id }, headers: { "If-Match": first.etag }, body: { title: "Lost update" } });
expectStatus(stale.response, 412, "a stale If-Match");
const staleProblem = problem(stale.error, 412, "a stale If-Match");
ok(`412 for a stale If-Match, read as a typed problem: ${staleProblem.detail}`);

// A 422 is a typed problem that lists what is wrong: fields the schema allows but the server
// refuses together (Prism answers requests the schema refuses itself).
const invalid = await createTask({
  body: { title: "x", due_at: "2030-01-01T09:00:00Z", remind_at: "2030-01-02T09:00:00Z", recurrence: "FREQ=DAILY;COUNT=0" },
});
expectStatus(invalid.response, 422, "an invalid task");
const validation: ValidationProblem = schemas.zValidationProblem.parse(invalid.error);
const pointers = validation.errors.map((error) => error.pointer).sort();
check(pointers.join(",") === "/body/recurrence,/body/remind_at", `422 errors: ${pointers.join(",")}`);
ok(`422 read as a typed problem: ${validation.errors.map((error) => error.detail).join(" ")}`);

// Delta sync: a tombstone for the deleted task, told apart by its discriminator.
const since = new Date(Date.now() - 1000).toISOString();
const doomed = created[3];
check(doomed !== undefined, "a task to delete");
const deleted = await deleteTask({ path: { task_id: doomed.id } });
expectStatus(deleted.response, 204, "delete a task");
check(deleted.response.headers.get("content-type") === null, "a 204 has no Content-Type");
ok("delete a task (204, no Content-Type)");

const delta = await listTasks({ query: { updated_since: since, sort: TaskSort.UPDATED_AT } });
expectStatus(delta.response, 200, "delta sync");
const tombstones = schemas.zTaskPage.parse(delta.data).items.flatMap((item) => (item.object === "task_tombstone" ? [item] : []));
check(tombstones.length === 1 && tombstones[0]?.id === doomed.id && tombstones[0].deleted, "the tombstone");
ok(`delta sync: a tombstone narrowed by its discriminator (deleted_at ${tombstones[0]?.deleted_at})`);

const gone = await getTask({ path: { task_id: doomed.id } });
expectStatus(gone.response, 404, "get the deleted task");
problem(gone.error, 404, "get the deleted task");
ok("the deleted task is a 404 problem");

console.log(`${steps} passed, 0 failed`);
