-- wrk script for ci/load: a mixed purchase workload on one server.
-- Each connection walks the purchase: validate -> register (with the token it
-- got) -> info -> download-url -> view-url -> the asset URL -> cancel, with
-- known-bad requests in between (an unknown order, a malformed body, a
-- tampered signature) whose 4xx answers are expected. LOAD_MODE=read skips
-- validate and register (no new token or order: memory must stay flat) and
-- works on the ids in LOAD_ORDER_IDS.
local mode = os.getenv("LOAD_MODE") or "mixed"
local token_header = { ["Authorization"] = "Bearer test-token-vendor-a", ["Content-Type"] = "application/json" }
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  s2, s4, s5, other = 0, 0, 0, 0
  statuses = {}
  tokens, orders, urls = {}, {}, {}
  n, made = 0, 0
  if mode == "read" then
    for id in string.gmatch(os.getenv("LOAD_ORDER_IDS") or "", "[^,]+") do table.insert(orders, id) end
  end
end

local function pick(list)
  if #list == 0 then return nil end
  return list[math.random(#list)]
end

local validate_body = '{"asset_id":"asset-instant","quantity":1,"customer_ip":"203.0.113.7"}'

function request()
  n = n + 1
  local step = n % 10
  if mode == "mixed" and #tokens > 0 and step < 3 then
    local token = table.remove(tokens)
    made = made + 1
    return wrk.format("POST", "/purchase/register", token_header,
      '{"token":"' .. token .. '","asset_id":"asset-instant","quantity":1,"vendor_order_id":"load-' ..
      tid .. '-' .. made .. '"}')
  elseif mode == "mixed" and step < 3 then
    return wrk.format("POST", "/purchase/validate-purchase-before-payment", token_header, validate_body)
  end
  local order = pick(orders)
  if step == 9 then  -- expected 4xx: one of three known-bad requests
    local k = n % 3
    if k == 0 then return wrk.format("GET", "/purchase/info?order_id=ord_ffffffffffffffff", token_header) end
    if k == 1 then return wrk.format("POST", "/purchase/validate-purchase-before-payment", token_header, '{"asset_id":') end
    return wrk.format("GET", "/assets/download/ord_ffffffffffffffff?expires=9999999999&sig=00", {})
  end
  if order == nil then
    return wrk.format("POST", "/purchase/validate-purchase-before-payment", token_header, validate_body)
  end
  if step == 3 or step == 4 then return wrk.format("GET", "/purchase/info?order_id=" .. order, token_header) end
  if step == 5 then return wrk.format("GET", "/purchase/download-url?order_id=" .. order, token_header) end
  if step == 6 then return wrk.format("GET", "/purchase/view-url?order_id=" .. order, token_header) end
  if step == 7 and #urls > 0 then return wrk.format("GET", pick(urls), {}) end
  if step == 8 and n % 200 == 8 then return wrk.format("DELETE", "/purchase/cancel?order_id=" .. order, token_header) end
  return wrk.format("GET", "/purchase/info?order_id=" .. order, token_header)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 200 and status < 300 then
    s2 = s2 + 1
    local token = string.match(body, '"token":"(tok_[0-9a-f]+)"')
    if token then table.insert(tokens, token) end
    local order = string.match(body, '^{"order_id":"(ord_[0-9a-f]+)"')
    if order and #orders < 1000 then table.insert(orders, order) end
    local url = string.match(body, '"url":"http://[^/]+(/assets/[^"]+)"')
    if url then
      if #urls >= 100 then table.remove(urls, 1) end
      table.insert(urls, url)
    end
  elseif status >= 400 and status < 500 then s4 = s4 + 1
  elseif status >= 500 then s5 = s5 + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local t2, t4, t5, to, made_all = 0, 0, 0, 0, 0
  local by = {}
  for _, thread in ipairs(threads) do
    t2 = t2 + thread:get("s2"); t4 = t4 + thread:get("s4"); t5 = t5 + thread:get("s5"); to = to + thread:get("other")
    made_all = made_all + thread:get("made")
    for status, count in pairs(thread:get("statuses")) do by[status] = (by[status] or 0) + count end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("requests: %d in %.1f s = %.0f req/s; socket errors: connect %d, read %d, write %d, timeout %d\n",
    summary.requests, seconds, summary.requests / seconds, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
  io.write(string.format("latency: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000))
  local list = {}
  for status, count in pairs(by) do table.insert(list, status .. ":" .. count) end
  table.sort(list)
  io.write(string.format("answers: 2xx %d, expected 4xx %d, 5xx %d, other %d (%s); registers sent %d\n",
    t2, t4, t5, to, table.concat(list, " "), made_all))
  -- wrk counts an answer it cannot parse as HTTP as a read error.
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, t2, t4, t5 + to, made_all,
    e.connect + e.read + e.write + e.timeout))
end
