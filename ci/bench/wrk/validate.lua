-- POST /purchase/validate-purchase-before-payment, the same body every time
-- (each answer is a fresh token; the server keeps 24 bytes per token).
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
wrk.method = "POST"
wrk.path = "/purchase/validate-purchase-before-payment"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"asset_id":"asset-slow","quantity":1,"customer_ip":"203.0.113.7"}'
