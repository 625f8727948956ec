dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local body = '{"email":"' .. os.getenv("BENCH_EMAIL") .. '","password":"' .. os.getenv("BENCH_PASSWORD") .. '"}'
request = function()
  return wrk.format("POST", "/store/auth/token", { ["Content-Type"] = "application/json" }, body)
end
