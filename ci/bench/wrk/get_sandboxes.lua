-- The GET of get.lua, each request naming the next of four sandboxes
-- (X-Sandbox: bench-1 .. bench-4), so the traffic is spread over them.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local sandboxes = {"bench-1", "bench-2", "bench-3", "bench-4"}
local sent = 0

function request()
  sent = sent + 1
  wrk.headers["X-Sandbox"] = sandboxes[sent % 4 + 1]
  return wrk.format()
end
