dofile(os.getenv("BENCH_DIR") .. "/common.lua")
request = function()
  counter = counter + 1
  return wrk.format("POST", "/store/customers/me", headers,
    '{"billing_address":{"address_1":"Via Roma ' .. counter .. '","city":"Milano"}}')
end
