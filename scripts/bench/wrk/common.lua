-- Shared by the workload scripts, which load it with dofile: each thread's own slice of an
-- id file, responses counted by status class, and one JSON line (`BENCH_JSON {...}`) at the
-- end for scripts/bench/http_bench to parse.
-- Environment: BENCH_THREADS (wrk's -t), BENCH_IDS (a file of task ids, one a line),
-- BENCH_TOKEN (a bearer token), BENCH_BODY (a request body, for static requests).
local common = {}
local threads = {}
local COUNTERS = { "sent", "status_2xx", "status_3xx", "status_4xx", "status_503", "status_5xx", "wraps" }

-- Runs in the main Lua state, once per thread: number the threads so that each takes its own
-- slice of the ids (every request of the complete workload must hit a different open task).
function common.setup(thread)
  thread:set("thread_index", #threads)
  threads[#threads + 1] = thread
end

-- This thread's slice of the ids file.
local function load_slice()
  ids, position = {}, 0
  local all = {}
  for line in io.lines(os.getenv("BENCH_IDS")) do
    if line ~= "" then
      all[#all + 1] = line
    end
  end
  local count = tonumber(os.getenv("BENCH_THREADS") or "1")
  local first = math.floor(#all * thread_index / count) + 1
  local last = math.floor(#all * (thread_index + 1) / count)
  for i = first, last do
    ids[#ids + 1] = all[i]
  end
  assert(#ids > 0, "no ids for thread " .. thread_index)
end

-- wrk calls setup (which numbers the thread) before init, so the slice is read here, before
-- the clock starts; next_id reads it late should a wrk do otherwise.
function common.init(args)
  for _, name in ipairs(COUNTERS) do
    _G[name] = 0
  end
  sequence = 0
  if thread_index ~= nil and os.getenv("BENCH_IDS") then
    load_slice()
  end
end

-- The next id of this thread's slice; `wraps` counts how often the slice ran out and
-- started over (harmless for get and patch, an error for complete).
function common.next_id()
  if ids == nil then
    load_slice()
  end
  position = position + 1
  if position > #ids then
    position = 1
    wraps = wraps + 1
  end
  return ids[position]
end

-- Every request of a script with a `request` function goes out through here: wrk reports no
-- request that never got an answer, so the benchmark compares what was sent with what was
-- answered. (static.lua has none: a Lua call per request would slow wrk down on the floor.)
function common.send(request)
  sent = sent + 1
  return request
end

-- A number unique within the thread, and a tag unique within the run (for titles).
function common.unique()
  sequence = sequence + 1
  return string.format("%d-%d", thread_index, sequence)
end

function common.headers(content_type)
  local headers = {}
  local token = os.getenv("BENCH_TOKEN")
  if token ~= nil and token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  if content_type ~= nil then
    headers["Content-Type"] = content_type
  end
  return headers
end

function common.response(status, headers, body)
  if status < 300 then
    status_2xx = status_2xx + 1
    return
  elseif status < 400 then
    status_3xx = status_3xx + 1
  elseif status < 500 then
    status_4xx = status_4xx + 1
  elseif status == 503 then
    status_503 = status_503 + 1
  else
    status_5xx = status_5xx + 1
  end
  if first_error == nil then
    first_error = status .. " " .. string.sub(body or "", 1, 300)
  end
end

local function json_string(value)
  if value == nil then
    return "null"
  end
  local escaped = string.gsub(value, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. escaped .. '"'
end

function common.done(summary, latency, requests)
  local totals = {}
  for _, name in ipairs(COUNTERS) do
    totals[name] = 0
  end
  local first = nil
  for _, thread in ipairs(threads) do
    for _, name in ipairs(COUNTERS) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
    first = first or thread:get("first_error")
  end
  local errors = summary.errors
  local fields = {
    string.format('"requests": %d', summary.requests),
    string.format('"duration_us": %d', summary.duration),
    string.format('"bytes": %d', summary.bytes),
    string.format('"connect_errors": %d', errors.connect),
    string.format('"read_errors": %d', errors.read),
    string.format('"write_errors": %d', errors.write),
    string.format('"status_errors": %d', errors.status),
    string.format('"timeouts": %d', errors.timeout),
    string.format('"p50_us": %.0f', latency:percentile(50.0)),
    string.format('"p90_us": %.0f', latency:percentile(90.0)),
    string.format('"p99_us": %.0f', latency:percentile(99.0)),
    string.format('"max_us": %.0f', latency.max),
    string.format('"mean_us": %.0f', latency.mean),
    '"first_error": ' .. json_string(first),
  }
  for _, name in ipairs(COUNTERS) do
    fields[#fields + 1] = string.format('"%s": %d', name, totals[name])
  end
  io.write("BENCH_JSON {" .. table.concat(fields, ", ") .. "}\n")
end

-- The phases every script shares; a script whose requests vary adds `request`.
function common.install()
  setup, init, response, done = common.setup, common.init, common.response, common.done
end

return common
