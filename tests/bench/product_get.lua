-- one product page: GET /store/products/:id?region_id=<EU> (anonymous)
local path = "/store/products/" .. (os.getenv("BENCH_PRODUCT") or "") .. "?region_id=" .. (os.getenv("BENCH_REGION") or "")
request = function()
  return wrk.format("GET", path)
end
