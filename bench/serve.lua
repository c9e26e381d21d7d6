-- wrk script for bench/serve.sh: GET /v1/tools/{name} rotating over real
-- tool names read from the file named by $NAMES (one escaped name a line).
-- Any status other than 200 counts as an error in the summary.
local names = {}
local i = 0

function init(args)
	for line in io.lines(os.getenv("NAMES")) do
		names[#names + 1] = line
	end
	-- each wrk thread starts at its own place in the list
	i = math.random(#names)
end

function request()
	i = i % #names + 1
	return wrk.format("GET", "/v1/tools/" .. names[i])
end

local bad = 0

function response(status, headers, body)
	if status ~= 200 then
		bad = bad + 1
	end
end

function done(summary, latency, requests)
	io.write(string.format("requests/s %.0f p50_ms %.3f p99_ms %.3f " ..
		"errors %d\n", summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		summary.errors.connect + summary.errors.read +
		summary.errors.write + summary.errors.status +
		summary.errors.timeout))
end
