-- wrk: each request carries the DPoP-bound token and the next unused proof from
-- PROOFS (one per line, each with its own jti), so no request is a replay.
local proofs = {}
local i = 0

function init(args)
  for line in io.lines(os.getenv("PROOFS")) do
    proofs[#proofs + 1] = line
  end
end

function request()
  i = i + 1
  if i > #proofs then i = 1 end -- past the end: replays (the script sizes the file so it never is)
  wrk.headers["Authorization"] = "DPoP " .. os.getenv("TOKEN")
  wrk.headers["DPoP"] = proofs[i]
  return wrk.format("GET")
end
