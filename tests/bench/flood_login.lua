-- the login flood of make bench: POST /store/auth/token with a new unknown email and a wrong
-- password each time; counts the answers by status (printed as one "FLOOD ..." line)
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  n, c429, c401, cother = 0, 0, 0, 0
  tag = tostring(math.random(1, 1000000000))
end
request = function()
  n = n + 1
  local body = '{"email":"flood' .. tag .. '.' .. n .. '@example.com","password":"wrong-' .. n .. '"}'
  return wrk.format("POST", "/store/auth/token", { ["Content-Type"] = "application/json" }, body)
end
response = function(status, headers, body)
  if status == 429 then
    c429 = c429 + 1
  elseif status == 401 then
    c401 = c401 + 1
  else
    cother = cother + 1
  end
end
done = function(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("c429"); b = b + t:get("c401"); c = c + t:get("cother")
  end
  io.write(string.format("FLOOD 429=%d 401=%d other=%d\n", a, b, c))
end
