// The docs in a real browser (Debian's chromium, headless, no network but 127.0.0.1):
// Swagger UI renders every operation of the contract; "Authorize" asks only for username and
// password, shows why a wrong password failed (the token endpoint's OAuth2 error), then logs a
// test user in through the OAuth2 password flow; "Try it out" fills in no filter (nor
// If-None-Match), and "Execute" on "List the caller's tasks" answers 200 with the user's task.
// Redoc renders too. Fails on any console error (CSP violations included) or any request that
// leaves 127.0.0.1.
//   node tests/browser/docs_ui.mjs BASE_URL EMAIL PASSWORD SCREENSHOT_DIR
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [baseUrl, email, password, screenshots] = process.argv.slice(2);
if (!screenshots) throw new Error("usage: docs_ui.mjs BASE_URL EMAIL PASSWORD SCREENSHOT_DIR");
const contract = await (await fetch(`${baseUrl}/openapi.json`)).json();
const operations = Object.values(contract.paths).flatMap((item) =>
  Object.entries(item).filter(([method]) => ["get", "head", "put", "post", "delete", "patch"].includes(method)),
);

// A task for the list to show, created through the API as the test user.
const login = await fetch(`${baseUrl}/api/v1/auth/token`, {
  method: "POST",
  body: new URLSearchParams({ username: email, password }),
});
const { access_token: token } = await login.json();
const created = await fetch(`${baseUrl}/api/v1/tasks`, {
  method: "POST",
  headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
  body: JSON.stringify({ title: "Read the docs offline", description: "Swagger UI and Redoc, no CDN" }),
});
if (created.status !== 201) throw new Error(`could not create a task: ${created.status}`);

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
];
const profile = mkdtempSync(join(tmpdir(), "tasks-api-docs-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: FLAGS,
  viewport: { width: 1280, height: 1600 },
});
const problems = [];
let steps = 0;
const ok = (step) => console.log(`ok ${++steps} - ${step}`);

const page = context.pages()[0] ?? (await context.newPage());
try {
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    // The wrong password below fails on purpose, and Chromium logs every 4xx as an error.
    if (message.location().url.endsWith("/api/v1/auth/token") && message.text().includes("status of 400")) return;
    problems.push(`console: ${message.text()}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400 && !response.url().includes("/api/v1/")) problems.push(`${response.status()}: ${response.url()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (!["http:", "data:", "blob:"].includes(url.protocol) || (url.protocol === "http:" && url.hostname !== "127.0.0.1")) {
      problems.push(`request off this machine: ${request.url()}`);
    }
  });

  // Swagger UI: every operation renders.
  await page.goto(`${baseUrl}/docs`);
  await page.locator(".opblock").first().waitFor({ timeout: 20_000 });
  const rendered = await page.locator(".opblock").count();
  if (rendered !== operations.length) throw new Error(`Swagger UI shows ${rendered} operations, the contract has ${operations.length}`);
  for (const [, operation] of operations) await page.getByText(operation.summary, { exact: true }).first().waitFor();
  ok(`Swagger UI renders all ${rendered} operations`);

  // Authorize through the OAuth2 password flow (the contract's tokenUrl): only username and
  // password are asked; a wrong password says why it failed.
  await page.locator(".auth-wrapper .authorize").click();
  const modal = page.locator(".modal-ux");
  const oauth = modal.locator(".auth-container").filter({ hasText: "(OAuth2, password)" });
  for (const field of ["#client_id_password", "#client_secret_password", "#password_type"]) {
    if (await oauth.locator(field).isVisible()) throw new Error(`the Authorize dialog shows ${field}`);
  }
  if (!(await modal.locator(".auth-container input[type=text]").last().isVisible())) throw new Error("no bearer token field");
  ok("Authorize asks for username and password only (and offers a bearer token field)");
  await oauth.locator("#oauth_username").fill(email);
  await oauth.locator("#oauth_password").fill("not the password");
  await oauth.locator(".auth-btn-wrapper .authorize").click();
  const failure = oauth.locator(".errors");
  await failure.waitFor({ timeout: 15_000 });
  const failureText = await failure.innerText();
  if (!failureText.includes("invalid_grant") || !failureText.includes("The email or password is incorrect")) {
    throw new Error(`a failed login shows: ${failureText}`);
  }
  ok(`a wrong password shows the OAuth2 error: ${failureText.replace(/\s+/g, " ").trim()}`);
  await oauth.locator("#oauth_password").fill(password);
  await oauth.locator(".auth-btn-wrapper .authorize").click();
  await oauth.locator("button.auth", { hasText: "Logout" }).waitFor({ timeout: 15_000 });
  await oauth.locator(".auth-btn-wrapper .btn-done").click();
  ok("Authorize logs in with the password flow");

  // "Try it out" fills in no filter, and "Get a task" no If-None-Match.
  const listTasks = page.locator("#operations-tasks-listTasks");
  await listTasks.locator(".opblock-summary").click();
  await listTasks.locator(".try-out__btn").click();
  for (const name of ["completed", "priority", "tag", "due_before", "due_after", "overdue", "q", "updated_since", "cursor"]) {
    const row = listTasks.locator(`tr[data-param-name="${name}"]`);
    if ((await row.count()) !== 1) throw new Error(`"Try it out" shows no ${name} parameter`);
    // An array of free strings (tag) starts with no field at all; the others have one.
    const fields = await row.locator("input, select").count();
    if (name !== "tag" && fields === 0) throw new Error(`"Try it out" shows no field for ${name}`);
    const values = await row.locator("input, select").evaluateAll((fields) =>
      fields.flatMap((field) => (field.multiple ? [...field.selectedOptions].map((option) => option.value) : [field.value])),
    );
    if (values.some((value) => value !== "")) throw new Error(`"Try it out" fills in ${name}: ${JSON.stringify(values)}`);
  }
  const getTask = page.locator("#operations-tasks-getTask");
  await getTask.locator(".opblock-summary").click();
  await getTask.locator(".try-out__btn").click();
  const ifNoneMatch = await getTask.locator('tr[data-param-name="If-None-Match"] input').inputValue();
  if (ifNoneMatch !== "") throw new Error(`"Try it out" fills in If-None-Match: ${ifNoneMatch}`);
  ok('"Try it out" fills in no filter and no If-None-Match');

  // Execute "List the caller's tasks".
  await listTasks.locator(".execute").click();
  const status = listTasks.locator(".live-responses-table tbody .response-col_status").first();
  await status.waitFor({ timeout: 10_000 });
  const code = (await status.innerText()).trim();
  const body = await listTasks.locator(".live-responses-table tbody .response-col_description pre").first().innerText();
  if (code !== "200") throw new Error(`list tasks answered ${code}: ${body}`);
  const tasks = JSON.parse(body);
  if (!Array.isArray(tasks.items) || !("next_cursor" in tasks)) throw new Error(`not a task page: ${body}`);
  if (!tasks.items.some((task) => task.title === "Read the docs offline")) throw new Error(`the user's task is missing: ${body}`);
  ok(`Execute "List the caller's tasks" answers 200 with ${tasks.items.length} task(s)`);
  await listTasks.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(screenshots, "docs-screenshot.png"), fullPage: false });

  // Redoc renders the same contract.
  await page.goto(`${baseUrl}/redoc`);
  await page.locator("h2", { hasText: operations[0][1].summary }).first().waitFor({ timeout: 20_000 });
  for (const [, operation] of operations) await page.locator("h2", { hasText: operation.summary }).first().waitFor();
  await page.screenshot({ path: join(screenshots, "redoc-screenshot.png") });
  ok(`Redoc renders all ${operations.length} operations`);

  if (problems.length) throw new Error(`the docs misbehaved:\n  ${problems.join("\n  ")}`);
  ok("no console errors, CSP violations or requests off this machine");
  console.log(`${steps} passed, 0 failed`);
} catch (error) {
  await page.screenshot({ path: join(screenshots, "docs-failure.png") }).catch(() => {});
  if (problems.length) console.error(`also seen:\n  ${problems.join("\n  ")}`);
  throw error;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
