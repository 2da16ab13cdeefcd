-- GET /api/v1/tasks/{id}, cycling through this thread's slice of BENCH_IDS.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
common.install()
local headers = common.headers()

function request()
  return common.send(wrk.format("GET", "/api/v1/tasks/" .. common.next_id(), headers))
end
