-- a small update that really changes a column every time
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
request = function()
  counter = counter + 1
  return wrk.format("POST", "/store/customers/me", headers, '{"first_name":"n' .. (counter % 1000) .. '"}')
end
