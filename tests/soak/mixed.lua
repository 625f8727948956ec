-- tests/soak/mixed.lua: the soak workload for wrk. Each wrk thread acts as one customer
-- (token from SOAK_TOKENS, one per thread) on all of its connections, mixing:
--   GET  /store/customers/me                      30%
--   POST /store/customers/me   names / metadata   20%   (a real change every time)
--   POST /store/customers/me   billing object     5%
--   POST /store/customers/me   billing = own id   3%
--   POST /me/addresses         add                10%   (only while the customer has < 8)
--   POST /me/addresses/:id     update             12%   (the two oldest addresses only)
--   DELETE /me/addresses/:id                      10%   (never one of the two oldest)
--   GET  /store/auth                              4%
--   POST /store/auth/token     login (scrypt)     3%
--   POST /store/customers      register (scrypt)  3%
-- Address ids are learned from every customer answer (shipping_addresses), so requests need
-- no bookkeeping of which response belongs to which request. The first two ids the thread
-- sees are pinned: updates and billing links only ever target them and deletes never do, so
-- an update never meets a deleted row; a repeated delete is idempotent (200). Every answer is therefore expected to be 2xx; any
-- other status is an error and is counted, with the first bodies kept as samples.
-- Env: SOAK_TOKENS (comma separated), SOAK_EMAILS, SOAK_PASSWORD, SOAK_TAG.

local tokens, emails = {}, {}
for t in string.gmatch(os.getenv("SOAK_TOKENS") or "", "[^,]+") do tokens[#tokens + 1] = t end
for e in string.gmatch(os.getenv("SOAK_EMAILS") or "", "[^,]+") do emails[#emails + 1] = e end
local password = os.getenv("SOAK_PASSWORD") or ""
local tag = os.getenv("SOAK_TAG") or tostring(os.time())
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  local i = ((#threads - 1) % #tokens) + 1
  thread:set("tid", #threads)
  thread:set("token", tokens[i])
  thread:set("email", emails[i])
end

local counter = 0
local known = {}          -- shipping address ids, oldest first, from the last customer answer
local pinned = {}         -- two ids never deleted (updated and linked as billing instead)
codes = {}                -- status -> count (read by done())
samples = {}              -- first unexpected answers
local json = { ["Content-Type"] = "application/json" }
local auth

local phase = "run"

function init(args)
  phase = (args and args[1]) or "run"
  auth = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
end

local function addr_body(n)
  return '{"first_name":"Soak","last_name":"T' .. tid .. '","address_1":"Via Soak ' .. n ..
    '","city":"Milano","country_code":"it","postal_code":"2' .. (n % 10000) .. '"}'
end

function request()
  counter = counter + 1
  local r = math.random(100)
  if r <= 30 then
    return wrk.format("GET", "/store/customers/me", auth)
  elseif r <= 50 then
    return wrk.format("POST", "/store/customers/me", auth,
      '{"first_name":"N' .. (counter % 997) .. '","metadata":{"k' .. (counter % 8) .. '":' .. counter ..
      ',"drop":' .. ((counter % 2 == 0) and '"x"' or '""') .. '}}')
  elseif r <= 55 then
    return wrk.format("POST", "/store/customers/me", auth, '{"billing_address":' .. addr_body(counter) .. '}')
  elseif r <= 58 and #pinned == 2 then
    return wrk.format("POST", "/store/customers/me", auth, '{"billing_address":"' .. pinned[1 + counter % 2] .. '"}')
  elseif r <= 68 and #known < 8 then
    return wrk.format("POST", "/store/customers/me/addresses", auth, '{"address":' .. addr_body(counter) .. '}')
  elseif r <= 80 and #pinned == 2 then
    return wrk.format("POST", "/store/customers/me/addresses/" .. pinned[1 + counter % 2], auth,
      '{"city":"C' .. counter .. '","phone":"+39 ' .. counter .. '"}')
  elseif r <= 90 and #known > 2 and known[#known] ~= pinned[1] and known[#known] ~= pinned[2] then
    return wrk.format("DELETE", "/store/customers/me/addresses/" .. known[#known], auth)
  elseif r <= 94 then
    return wrk.format("GET", "/store/auth", auth)
  elseif r <= 97 then
    return wrk.format("POST", "/store/auth/token", json,
      '{"email":"' .. email .. '","password":"' .. password .. '"}')
  elseif r <= 100 then
    return wrk.format("POST", "/store/customers", json,
      '{"email":"soak.' .. tag .. '.' .. phase .. '.' .. tid .. '.' .. counter .. '@example.com","password":"soak-password"}')
  end
  return wrk.format("GET", "/store/customers/me", auth)
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
  if status < 200 or status > 299 then
    if #samples < 5 then samples[#samples + 1] = status .. " " .. string.sub(body or "", 1, 300) end
    return
  end
  -- the thread's own customer answers carry its shipping addresses, oldest first
  if body and string.find(body, '"last_name":"T' .. tid .. '"', 1, true) then
    local s = string.find(body, '"shipping_addresses":[', 1, true)
    if s then
      local ids = {}
      for id in string.gmatch(string.sub(body, s), '"id":"(addr_[0-9A-Z]+)"') do ids[#ids + 1] = id end
      known = ids
      if #pinned < 2 and #ids >= 2 then pinned = { ids[1], ids[2] } end
    end
  end
end

function done(summary, latency, requests)
  local total, bad = {}, 0
  for _, t in ipairs(threads) do
    local c = t:get("codes") or {}
    for k, v in pairs(c) do
      total[k] = (total[k] or 0) + v
      if k < 200 or k > 299 then bad = bad + v end
    end
    for _, s in ipairs(t:get("samples") or {}) do io.write("soak-sample: ", s, "\n") end
  end
  local e = summary.errors
  local keys = {}
  for k in pairs(total) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do io.write(string.format("soak-status: %d %d\n", k, total[k])) end
  io.write(string.format("soak-requests: %d\n", summary.requests))
  io.write(string.format("soak-unexpected: %d\n", bad))
  io.write(string.format("soak-socket-errors: %d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("soak-latency-ms: p50 %.2f p99 %.2f max %.2f\n", latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
