-- the storefront's product list: GET /store/products?limit=12&region_id=<EU> (anonymous)
local path = "/store/products?limit=12&region_id=" .. (os.getenv("BENCH_REGION") or "")
request = function()
  return wrk.format("GET", path)
end
