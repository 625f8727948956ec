-- add a line: POST /store/carts/:id/line-items, 1 x one of three variants (BENCH_VARIANTS, comma
-- separated, stock enough for any run) to one of BENCH_CARTS (comma separated guest carts): the
-- first adds of a cart insert lines, later ones merge into them (an update of the quantity)
local function split(s)
  local t = {}
  for x in string.gmatch(s or "", "[^,]+") do t[#t + 1] = x end
  return t
end
local carts, variants = split(os.getenv("BENCH_CARTS")), split(os.getenv("BENCH_VARIANTS"))
local hdrs = { ["Content-Type"] = "application/json" }
local n = 0
-- each wrk thread starts elsewhere in the cart list, so threads rarely wait on one cart's lock
local threads = 0
setup = function(thread)
  thread:set("start", threads * 7)
  threads = threads + 1
end
init = function(args)
  n = start or 0
end
request = function()
  n = n + 1
  local cart = carts[(n % #carts) + 1]
  local variant = variants[(math.floor(n / #carts) % #variants) + 1]
  return wrk.format("POST", "/store/carts/" .. cart .. "/line-items", hdrs,
    '{"variant_id":"' .. variant .. '","quantity":1}')
end
