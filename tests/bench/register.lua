-- unique emails: run start time + thread number + per-thread counter
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local tag = tostring(os.time())
local nthreads = 0
setup = function(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
end
request = function()
  counter = counter + 1
  return wrk.format("POST", "/store/customers", { ["Content-Type"] = "application/json" },
    '{"email":"bench' .. tag .. "_" .. tostring(tid) .. "_" .. counter .. '@example.com","password":"benchpassword"}')
end
