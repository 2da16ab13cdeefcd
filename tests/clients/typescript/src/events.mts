// The event stream, end to end, with a maintained fetch-based SSE client
// (@microsoft/fetch-event-source): two devices of one user, a change made on one reaches the
// other; a browser-style stream opened with a single-use ticket instead of a header.
//   node build/src/events.mjs BASE_URL STREAM_URL
// BASE_URL: the JSON calls (through Prism in scripts/client-check); STREAM_URL: the server
// itself, for the text/event-stream (a validating proxy buffers a stream that never ends).
import { fetchEventSource, type EventSourceMessage } from "@microsoft/fetch-event-source";
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "../generated/api.js";
import * as shapes from "./shapes.mjs";

declare const process: { argv: string[]; exit(code: number): never };

const [, , baseArgument, streamArgument] = process.argv;
if (!baseArgument) throw new Error("usage: events.mjs BASE_URL STREAM_URL");
const baseUrl: string = baseArgument;
const streamUrl: string = streamArgument ?? baseArgument;
// fetch-event-source is written for browsers: its timers are window's. Node has them globally.
(globalThis as unknown as { window: typeof globalThis }).window = globalThis;

function device(token: () => string | undefined) {
  const client = createClient<paths>({ baseUrl });
  const bearer: Middleware = {
    onRequest({ request }) {
      const value = token();
      if (value !== undefined) request.headers.set("Authorization", `Bearer ${value}`);
      return request;
    },
  };
  client.use(bearer);
  return client;
}

let steps = 0;
function ok(step: string): void {
  steps += 1;
  console.log(`ok ${steps} - ${step}`);
}

const email = `ts-events-${Date.now()}@example.com`;
const password = "typescript events password";
const anonymous = device(() => undefined);
const registered = await anonymous.POST("/api/v1/auth/register", { body: { email, password } });
if (registered.response.status !== 201) throw new shapes.ContractViolation(`register: ${registered.response.status}`);
const form = {
  bodySerializer: (body: Record<string, string>) => new URLSearchParams(body),
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
};
async function logIn(): Promise<string> {
  const login = await anonymous.POST("/api/v1/auth/token", { body: { grant_type: "password", username: email, password }, ...form });
  return shapes.tokenPair(login.data).access_token;
}
const laptopToken = await logIn();
const phoneToken = await logIn();
const laptop = device(() => laptopToken);
const phone = device(() => phoneToken);

// An open stream, and the events it receives, one at a time.
class Stream {
  private readonly queue: EventSourceMessage[] = [];
  private waiting: ((message: EventSourceMessage) => void) | undefined;
  readonly controller = new AbortController();
  readonly opened: Promise<void>;

  constructor(url: string, headers: Record<string, string>) {
    let markOpen: () => void = () => undefined;
    this.opened = new Promise((resolve) => (markOpen = resolve));
    void fetchEventSource(url, {
      headers,
      fetch: globalThis.fetch,
      openWhenHidden: true,
      signal: this.controller.signal,
      onopen: async (response) => {
        const type = response.headers.get("content-type") ?? "";
        if (response.status !== 200 || !type.startsWith("text/event-stream")) {
          throw new shapes.ContractViolation(`stream: ${response.status} ${type}`);
        }
        markOpen();
      },
      onmessage: (message) => {
        // The library also reports a frame that only carries `retry:`; it is no event.
        if (message.event === "" && message.data === "") return;
        if (this.waiting) {
          const resolve = this.waiting;
          this.waiting = undefined;
          resolve(message);
        } else this.queue.push(message);
      },
      onerror: (error) => {
        throw error; // no silent retries in a test
      },
    });
  }

  next(what: string): Promise<EventSourceMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no event within 10 s: ${what}`)), 10_000);
      this.waiting = (message) => {
        clearTimeout(timer);
        resolve(message);
      };
    });
  }

  close(): void {
    this.controller.abort();
  }
}

// The laptop listens (Authorization header); the phone writes.
const onLaptop = new Stream(`${streamUrl}/api/v1/events`, { Authorization: `Bearer ${laptopToken}` });
await onLaptop.opened;
ok("the laptop opens the stream with Authorization: Bearer");
const created = await phone.POST("/api/v1/tasks", { body: { title: "Written on the phone" } });
const task = shapes.task(created.data);
const first = await onLaptop.next("task.created");
if (first.event !== "task.created") throw new shapes.ContractViolation(`event ${first.event}`);
const seen = shapes.task(JSON.parse(first.data));
if (seen.id !== task.id || seen.title !== "Written on the phone" || seen.etag !== task.etag) {
  throw new shapes.ContractViolation(`the laptop saw ${first.data}`);
}
ok("a task created on the phone reaches the laptop as task.created, as GET would answer it");

// A browser's EventSource cannot send headers: a single-use ticket opens its stream.
const ticketed = await laptop.POST("/api/v1/events/tickets");
if (ticketed.response.status !== 201 || !ticketed.data) throw new shapes.ContractViolation(`ticket: ${ticketed.response.status}`);
const ticket = ticketed.data.ticket;
const onBrowser = new Stream(`${streamUrl}/api/v1/events?ticket=${encodeURIComponent(ticket)}`, {});
await onBrowser.opened;
ok("a ticket opens a stream without an Authorization header");

await phone.POST("/api/v1/tasks/{task_id}/complete", { params: { path: { task_id: task.id } } });
for (const stream of [onLaptop, onBrowser]) {
  const completed = await stream.next("task.completed");
  if (completed.event !== "task.completed" || shapes.task(JSON.parse(completed.data)).completed !== true) {
    throw new shapes.ContractViolation(`completed: ${completed.event} ${completed.data}`);
  }
  if (first.id === completed.id) throw new shapes.ContractViolation("event ids do not move on");
}
ok("completing it on the phone reaches both streams as task.completed");

await phone.DELETE("/api/v1/tasks/{task_id}", { params: { path: { task_id: task.id } } });
const deleted = await onLaptop.next("task.deleted");
if (deleted.event !== "task.deleted" || shapes.tombstone(JSON.parse(deleted.data)).id !== task.id) {
  throw new shapes.ContractViolation(`deleted: ${deleted.data}`);
}
ok("deleting it reaches the laptop as task.deleted, a tombstone");

const reused = await fetch(`${streamUrl}/api/v1/events?ticket=${encodeURIComponent(ticket)}`);
if (reused.status !== 401) throw new shapes.ContractViolation(`a spent ticket: ${reused.status}`);
ok("a spent ticket is refused");

onLaptop.close();
onBrowser.close();
console.log(`events e2e: ${steps} steps passed`);
process.exit(0);
