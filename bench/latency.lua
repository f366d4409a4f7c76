-- Appended to every wrk run: prints the latency percentiles in a line the bench script can read.
done = function(summary, latency, requests)
  io.write(string.format("PCTL p50=%.2fms p99=%.2fms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
