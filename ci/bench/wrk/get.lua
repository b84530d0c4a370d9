-- A fixed GET (the URL and headers come from the wrk command line).
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
