-- wrk script: client_credentials token requests, a random client per request.
--
--   wrk -t1 -c16 -d10s -s bench/token-random.lua http://127.0.0.1:PORT/connect/token -- HEADERS_FILE [EXTRA_FORM]
--
-- HEADERS_FILE has one line per client: the complete Authorization header value
-- ("Basic base64(client_id:secret)", client_secret_basic), as bench/seed-apps.mjs
-- writes it. Every request is formatted once in init() (one string per client);
-- request() then only picks one at random, so the per-request Lua cost is the same
-- whether the file holds one client or 100,000 — bench/many-apps.sh runs the
-- one-app comparison through this same script with a one-line file.
--
-- done() prints the same machine-readable line as /work/shared/bench/token.lua:
--   wrk-token: requests=… req_s=… p50_ms=… p99_ms=… non2xx=… statuses=200:N …
-- plus clients=N (lines loaded).

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set('seed', counter)
  table.insert(threads, thread)
end

-- ---- per-thread state ----
non2xx = 0
non200 = 0
bad_body = 0
responses = 0
clients = 0
statuses = {}
local reqs = {}
local n = 0

function init(args)
  local file, extra = args[1], args[2]
  if not file then
    error('usage: wrk ... -s token-random.lua URL -- HEADERS_FILE [EXTRA_FORM]')
  end
  local body = 'grant_type=client_credentials'
  if extra and extra ~= '' then body = body .. '&' .. extra end
  for line in io.lines(file) do
    if line ~= '' then
      n = n + 1
      reqs[n] = wrk.format('POST', nil, {
        ['Content-Type'] = 'application/x-www-form-urlencoded',
        ['Accept'] = 'application/json',
        ['Authorization'] = line,
      }, body)
    end
  end
  if n == 0 then error('no clients in ' .. file) end
  clients = n
  math.randomseed(os.time() * 1000 + (seed or 0))
end

function request()
  return reqs[math.random(n)]
end

function response(status, headers, body)
  responses = responses + 1
  statuses[status] = (statuses[status] or 0) + 1
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
  if status ~= 200 then
    non200 = non200 + 1
  elseif not (body and body:find('"access_token"', 1, true)) then
    bad_body = bad_body + 1
  end
end

function done(summary, latency, requests)
  local t_non2xx, t_non200, t_bad, t_resp, t_clients = 0, 0, 0, 0, 0
  local hist = {}
  for _, thread in ipairs(threads) do
    t_non2xx = t_non2xx + (thread:get('non2xx') or 0)
    t_non200 = t_non200 + (thread:get('non200') or 0)
    t_bad = t_bad + (thread:get('bad_body') or 0)
    t_resp = t_resp + (thread:get('responses') or 0)
    t_clients = math.max(t_clients, thread:get('clients') or 0)
    local st = thread:get('statuses')
    if st then
      for code, k in pairs(st) do hist[code] = (hist[code] or 0) + k end
    end
  end
  local codes = {}
  for code, k in pairs(hist) do codes[#codes + 1] = tostring(code) .. ':' .. tostring(k) end
  table.sort(codes)
  local secs = summary.duration / 1e6
  local e = summary.errors
  local function ms(us) return string.format('%.3f', us / 1000) end
  io.write(string.format(
    'wrk-token: requests=%d duration_s=%.3f req_s=%.1f p50_ms=%s p75_ms=%s p90_ms=%s p99_ms=%s max_ms=%s mean_ms=%s '
      .. 'non2xx=%d non200=%d bad_body=%d responses=%d err_connect=%d err_read=%d err_write=%d err_timeout=%d '
      .. 'statuses=%s clients=%d\n',
    summary.requests, secs, summary.requests / secs,
    ms(latency:percentile(50)), ms(latency:percentile(75)), ms(latency:percentile(90)),
    ms(latency:percentile(99)), ms(latency.max), ms(latency.mean),
    t_non2xx, t_non200, t_bad, t_resp, e.connect, e.read, e.write, e.timeout,
    (#codes > 0) and table.concat(codes, ',') or 'none', t_clients))
end
