-- Shared by every wrk script of ci/bench/run (loaded with dofile): collects
-- each thread's counters and prints one machine-readable line at the end:
--   BENCH requests=N seconds=S errors=N non2xx=N p50_us=N p99_us=N registers=N
-- `registers` counts 201 answers (set by register.lua and mixed.lua).

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local registers = 0
  for _, t in ipairs(threads) do registers = registers + (t:get("registers") or 0) end
  local e = summary.errors
  io.write(string.format("BENCH requests=%d seconds=%.3f errors=%d non2xx=%d p50_us=%d p99_us=%d registers=%d\n",
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), registers))
end
