-- One fixed request, built once: GET of the URL's path (floor, health-live, list-100), or
-- with BENCH_METHOD, BENCH_BODY and BENCH_CONTENT_TYPE another method (login).
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
common.install()
for name, value in pairs(common.headers(os.getenv("BENCH_CONTENT_TYPE"))) do
  wrk.headers[name] = value
end
wrk.method = os.getenv("BENCH_METHOD") or "GET"
wrk.body = os.getenv("BENCH_BODY")
