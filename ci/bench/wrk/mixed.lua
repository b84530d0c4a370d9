-- A mixed workload, per wrk thread: every other request polls a COMPLETED
-- order (GET /purchase/info); the rest are register.lua's validate + register
-- pairs. So about 50% info, 25% validate, 25% register.
-- Arguments: the run prefix, then the COMPLETED order's id.
dofile(os.getenv("BENCH_WRK_DIR") .. "/register.lua")

local register_init, register_request = init, request
local sent, info = 0, nil

function init(args)
  register_init(args)
  info = wrk.format("GET", "/purchase/info?order_id=" .. args[2])
end

function request()
  sent = sent + 1
  if sent % 2 == 0 then return info end
  return register_request()
end
