-- POST /api/v1/tasks/batch with 20 create operations.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
common.install()
local headers = common.headers("application/json")
local OPERATIONS = 20

function request()
  local batch = common.unique()
  local operations = {}
  for i = 1, OPERATIONS do
    operations[i] = string.format('{"op": "create", "task": {"title": "Batch %s #%d"}}', batch, i)
  end
  local body = '{"operations": [' .. table.concat(operations, ", ") .. "]}"
  return common.send(wrk.format("POST", "/api/v1/tasks/batch", headers, body))
end
