dofile(os.getenv("BENCH_DIR") .. "/common.lua")
request = function()
  counter = counter + 1
  return wrk.format("POST", "/store/customers/me", headers,
    '{"metadata":{"k' .. (counter % 10) .. '":' .. counter .. ',"drop":""}}')
end
