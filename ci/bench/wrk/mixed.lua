-- A mixed workload, per wrk thread: every other request polls a COMPLETED
-- order (GET /purchase/info); the rest are validate + register pairs as in
-- register.lua. So about 50% info, 25% validate, 25% register.
-- Arguments: the run prefix, then the COMPLETED order's id.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local validate = '{"asset_id":"asset-slow","quantity":1,"customer_ip":"203.0.113.7"}'
-- wrk.format uses a headers table instead of wrk.headers (the -H ones), not on top of them.
local headers = {}
local tokens, count, sent, registers, prefix, info = {}, 0, 0, 0, "run", nil

function init(args)
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = "application/json"
  prefix = (args[1] or "run") .. "-" .. (os.getenv("BENCH_ROUND") or "0") .. "-" .. wrk.thread:get("id")
  info = wrk.format("GET", "/purchase/info?order_id=" .. args[2])
end

function request()
  sent = sent + 1
  if sent % 2 == 0 then return info end
  local token = table.remove(tokens)
  if token then
    count = count + 1
    return wrk.format("POST", "/purchase/register", headers, string.format(
      '{"token":"%s","asset_id":"asset-slow","quantity":1,"vendor_order_id":"%s-%d"}', token, prefix, count))
  end
  return wrk.format("POST", "/purchase/validate-purchase-before-payment", headers, validate)
end

function response(status, headers, body)
  if status == 200 then
    local token = body:match('"token":"([^"]+)"')
    if token then tokens[#tokens + 1] = token end
  elseif status == 201 then
    registers = registers + 1
    wrk.thread:set("registers", registers)
  end
end
