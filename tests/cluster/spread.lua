-- tests/cluster/spread.lua: wrk script for tests/cluster/bench.sh. Each request takes the next
-- bearer token of TOKENS (comma separated), so the load is spread over that many customers (one
-- token: every request on one customer row, the worst case for Galera's certification).
-- MODE=get: GET /store/customers/me; MODE=merge: POST /store/customers/me with a metadata merge.
local tokens = {}
for t in string.gmatch(os.getenv("TOKENS") or "", "[^,]+") do tokens[#tokens + 1] = t end
local mode = os.getenv("MODE") or "get"
local counter = 0

request = function()
  counter = counter + 1
  local h = { ["Content-Type"] = "application/json",
              ["Authorization"] = "Bearer " .. tokens[(counter % #tokens) + 1] }
  if mode == "get" then
    return wrk.format("GET", "/store/customers/me", h)
  end
  return wrk.format("POST", "/store/customers/me", h,
    '{"metadata":{"k' .. (counter % 10) .. '":' .. counter .. '}}')
end
