-- POST /api/v1/tasks with a small JSON body.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
common.install()
local headers = common.headers("application/json")

function request()
  local body = string.format('{"title": "Created by the benchmark %s", "priority": "medium"}', common.unique())
  return common.send(wrk.format("POST", "/api/v1/tasks", headers, body))
end
