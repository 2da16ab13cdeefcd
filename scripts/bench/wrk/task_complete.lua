-- POST /api/v1/tasks/{id}/complete: every request completes a different open task, each
-- thread taking its own slice of BENCH_IDS (a wrap means the open tasks ran out).
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
common.install()
local headers = common.headers()

function request()
  return common.send(wrk.format("POST", "/api/v1/tasks/" .. common.next_id() .. "/complete", headers))
end
