-- POST the JSON body held in the file named by the first script argument, each request
-- with an Idempotency-Key of its own: a first use is what is measured, never a replay.
-- A key is a random prefix per wrk run (so runs never collide), the thread's number and
-- a counter; every wrk thread has its own Lua state, so the counter needs no lock.
-- report.lua, beside this file, prints the figures at the end.
local folder = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(folder .. "report.lua")

local run_id
local threads = 0

local function random_hex(bytes)
  local urandom = assert(io.open("/dev/urandom", "rb"))
  local raw = urandom:read(bytes)
  urandom:close()
  return (raw:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

-- Runs in the main Lua state, once per thread before it starts.
setup = function(thread)
  run_id = run_id or random_hex(8)
  threads = threads + 1
  thread:set("key_prefix", run_id .. "-" .. threads .. "-")
end

local sent = 0

init = function(args)
  local file = assert(io.open(args[1], "rb"))
  wrk.method = "POST"
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = "application/json"
end

request = function()
  sent = sent + 1
  wrk.headers["Idempotency-Key"] = key_prefix .. sent
  return wrk.format()
end
