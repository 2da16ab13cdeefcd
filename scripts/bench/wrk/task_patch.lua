-- PATCH /api/v1/tasks/{id} {"title": ...}, cycling through this thread's slice of BENCH_IDS.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
common.install()
local headers = common.headers("application/json")

function request()
  local body = string.format('{"title": "Renamed by the benchmark %s"}', common.unique())
  return common.send(wrk.format("PATCH", "/api/v1/tasks/" .. common.next_id(), headers, body))
end
