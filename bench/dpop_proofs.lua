-- wrk: each request carries the DPoP-bound token and the next unused proof from
-- PROOFS (one per line, each with its own jti), so no request is a replay.
-- The requests are built once, in init(), as wrk's SCRIPTING notes advise: building one
-- per call costs the load generator CPU the server shares on a small machine.
local requests = {}
local i = 0

function init(args)
  local token = os.getenv("TOKEN")
  for line in io.lines(os.getenv("PROOFS")) do
    wrk.headers["Authorization"] = "DPoP " .. token
    wrk.headers["DPoP"] = line
    requests[#requests + 1] = wrk.format("GET")
  end
end

function request()
  i = i + 1
  if i > #requests then i = 1 end -- past the end: replays (the script sizes the file so it never is)
  return requests[i]
end
