-- wrk script: the public intake, one new report per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"classification":"pengaduan","title":"Jalan rusak di Desa Mungguk","body":"Jalan utama desa berlubang besar sejak tiga bulan.","incident_date":"2026-11-20","anonymous":false,"reporter":{"name":"Budi Santoso","phone":"081234567890"}}'
-- Appended to every wrk run: prints the latency percentiles in a line the bench script can read.
done = function(summary, latency, requests)
  io.write(string.format("PCTL p50=%.2fms p99=%.2fms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
