-- static.lua's request, each one counted as it goes out: under overload what matters is how
-- many requests never got an answer, which wrk does not report (the count costs wrk speed).
dofile(os.getenv("BENCH_WRK_DIR") .. "/static.lua")

function request()
  sent = sent + 1
  return wrk.request()
end
