-- wrk script: private_key_jwt token requests, one pre-signed assertion per request
-- (or, for lines "BODY<TAB>PROOF", a DPoP proof per request in the DPoP header)
-- (assertions are single-use: a repeated jti is refused, so the bodies file must
-- hold more lines than the run sends; bench/make-assertions.mjs writes it).
--
--   wrk -t1 -c16 -d10s -s assertion.lua http://127.0.0.1:PORT/connect/token -- BODIES_FILE
--
-- Unlike token.lua, request() runs per request (it hands out the next body), so wrk
-- spends a little more CPU per request. done() prints the same "wrk-token:" line,
-- plus exhausted=1 when the bodies ran out (the rest were replays: non-2xx).

local threads = {}
function setup(thread)
  thread:set('id', #threads)
  table.insert(threads, thread)
end

non2xx = 0
responses = 0
exhausted = 0
local bodies, next_body = {}, 1

function init(args)
  local n = 0
  for line in io.lines(args[1]) do
    n = n + 1
    if (n - 1) % #threads == id or #threads == 0 then bodies[#bodies + 1] = line end
  end
  wrk.method = 'POST'
  wrk.headers['Content-Type'] = 'application/x-www-form-urlencoded'
  wrk.headers['Accept'] = 'application/json'
end

function request()
  local line = bodies[next_body]
  if not line then exhausted = 1; line = bodies[1] end
  next_body = next_body + 1
  local tab = line:find('\t', 1, true)
  if tab then -- "BODY<TAB>DPOP-PROOF" (bench/make-assertions.mjs dpop)
    -- wrk.format uses the given table instead of wrk.headers, so copy them in
    local headers = { ['DPoP'] = line:sub(tab + 1) }
    for k, v in pairs(wrk.headers) do headers[k] = v end
    return wrk.format(nil, nil, headers, line:sub(1, tab - 1))
  end
  return wrk.format(nil, nil, nil, line)
end

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local t_non2xx, t_resp, t_ex = 0, 0, 0
  for _, thread in ipairs(threads) do
    t_non2xx = t_non2xx + (thread:get('non2xx') or 0)
    t_resp = t_resp + (thread:get('responses') or 0)
    t_ex = math.max(t_ex, thread:get('exhausted') or 0)
  end
  local secs = summary.duration / 1e6
  local function ms(us) return string.format('%.3f', us / 1000) end
  io.write(string.format('wrk-token: requests=%d duration_s=%.3f req_s=%.1f p50_ms=%s p99_ms=%s non2xx=%d responses=%d exhausted=%d\n',
    summary.requests, secs, summary.requests / secs, ms(latency:percentile(50)), ms(latency:percentile(99)),
    t_non2xx, t_resp, t_ex))
end
