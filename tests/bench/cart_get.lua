-- one cart page: GET /store/carts/:id of a guest cart with three lines (BENCH_CART)
local path = "/store/carts/" .. (os.getenv("BENCH_CART") or "")
request = function()
  return wrk.format("GET", path)
end
