-- Register through validate + register pairs: every register needs a token of
-- its own, and the only way to get one is a validate call. Each wrk thread
-- keeps the tokens its validate answers carried; a connection ready to send
-- registers with one if there is one, else validates. In steady state half
-- the requests are registers, each with a fresh vendor order id
-- ("<run>-<round>-<thread>-<n>"; the run prefix is the script's argument,
-- the round comes from $BENCH_ROUND).
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local validate = '{"asset_id":"asset-slow","quantity":1,"customer_ip":"203.0.113.7"}'
-- wrk.format uses a headers table instead of wrk.headers (the -H ones), not on top of them.
local headers = {}
local tokens, count, registers, prefix = {}, 0, 0, "run"

function init(args)
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = "application/json"
  prefix = (args[1] or "run") .. "-" .. (os.getenv("BENCH_ROUND") or "0") .. "-" .. wrk.thread:get("id")
end

function request()
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
