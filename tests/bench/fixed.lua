-- the transport ceiling: a fixed answer, no database (ceiling.c's /fixed)
request = function()
  return wrk.format("GET", "/fixed")
end
