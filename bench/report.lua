-- wrk calls done() once, after the run: print its totals and its whole latency
-- histogram (microseconds, count) as one JSON line that bench/loadgen.py picks out
-- of wrk's own report and merges with the other runs of the same endpoint.
done = function(summary, latency, requests)
  local errors = summary.errors
  local histogram = {}
  for i = 1, #latency do
    local value, count = latency(i)
    histogram[i] = string.format("[%d,%d]", value, count)
  end
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "errors": %d, "latency_us": [%s]}\n',
    summary.requests,
    summary.duration,
    errors.connect + errors.read + errors.write + errors.status + errors.timeout,
    table.concat(histogram, ",")
  ))
end
