// End to end through the client generated from openapi.yaml, against a live server:
//   node build/src/e2e.mjs http://127.0.0.1:PORT
// Every response's status, media type and body shape is checked against the contract, so the
// run fails when the server and the contract disagree.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "../generated/api.js";
import * as shapes from "./shapes.mjs";

// Node's `process`, declared here rather than pulling in @types/node for one field.
declare const process: { argv: string[] };

const baseUrl = process.argv[2];
if (!baseUrl) throw new Error("usage: e2e.mjs BASE_URL");

const client = createClient<paths>({ baseUrl });
let accessToken: string | undefined;
const bearer: Middleware = {
  onRequest({ request }) {
    if (accessToken !== undefined) request.headers.set("Authorization", `Bearer ${accessToken}`);
    return request;
  },
};
client.use(bearer);

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

// Register, then log in with the OAuth2 password grant (a form body).
const registered = await client.POST("/api/v1/auth/register", { body: { email, password } });
expect(registered.response, 201, JSON_TYPE, "register");
const user = shapes.user(registered.data);
if (user.email !== email) throw new shapes.ContractViolation(`registered ${user.email}, not ${email}`);

const login = await client.POST("/api/v1/auth/token", {
  body: { grant_type: "password", username: email, password },
  bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
});
expect(login.response, 200, JSON_TYPE, "log in (form body)");
let tokens = shapes.tokenPair(login.data);
accessToken = tokens.access_token;

const me = await client.GET("/api/v1/users/me");
expect(me.response, 200, JSON_TYPE, "get the current user");
if (shapes.user(me.data).id !== user.id) throw new shapes.ContractViolation("me is someone else");

// Tasks: create, list (the page envelope), get, patch, replace, delete.
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

const deleted = await client.DELETE("/api/v1/tasks/{task_id}", { params: { path: { task_id: task.id } } });
expect(deleted.response, 204, null, "delete the task");

// Errors are problem documents: a 404 for the deleted task, a 422 for an empty title.
const missing = await client.GET("/api/v1/tasks/{task_id}", { params: { path: { task_id: task.id } } });
expect(missing.response, 404, PROBLEM_TYPE, "get the deleted task: 404 problem");
shapes.problem(missing.error, 404);

const invalid = await client.POST("/api/v1/tasks", { body: { title: "" } });
expect(invalid.response, 422, PROBLEM_TYPE, "create with an empty title: 422 problem");
const problem = shapes.problem(invalid.error, 422);
if (!problem.errors?.some((error) => error.pointer === "/body/title")) throw new shapes.ContractViolation("422 names no /body/title");

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
