using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

public sealed class ParsingTests
{
    [Fact]
    public void WrkSummarySplitsTheFlatCountersByPrefix()
    {
        const string json = """
            {"counters":{"kind.scan":90,"kind.refresh":9,"status.200":98,"status.503":1,"code.allowed":80,"retries":3,"retries_dup":3},
             "errors":{"connect":0,"read":1,"write":0,"status":1,"timeout":2},"duration_us":2000000,"requests":100,"bytes":1000,
             "latency_us":{"min":100,"max":9000,"mean":1500,"stdev":10,"p50":1000,"p90":2000,"p99":5000,"p999":8000}}
            """;
        var s = Wrk.Parse(json);
        Assert.Equal(50, s.RequestsPerSecond);
        Assert.Equal(90, s.Kinds["scan"]);
        Assert.Equal(98, s.Statuses["200"]);
        Assert.Equal(80, s.Codes["allowed"]);
        Assert.Equal(1, s.Count5xx);
        Assert.Equal(1, s.Non2xx);
        Assert.Equal(3, s.SocketErrors); // read + timeout; wrk's "status" errors are the non-2xx answers
        Assert.Equal(3, s.Retries);
        Assert.Equal(5, s.WrkLatency.P99);
    }

    [Fact]
    public void WrkLatencyPointsAreReadInMillisecondsAndAreEmptyWhenNotAsked()
    {
        const string json = """
            {"counters":{"status.200":4},"errors":{"connect":0,"read":0,"write":0,"status":0,"timeout":0},"duration_us":1000000,"requests":4,"bytes":10,
             "latency_us":{"min":100,"max":900,"mean":500,"stdev":1,"p50":500,"p90":900,"p99":900,"p999":900,"quantiles":[100,400,600,900]}}
            """;

        Assert.Equal([0.1, 0.4, 0.6, 0.9], Wrk.Parse(json).LatencyPoints);
        Assert.Empty(Wrk.Parse(json.Replace(""","quantiles":[100,400,600,900]""", "", StringComparison.Ordinal)).LatencyPoints);
    }

    [Fact]
    public void RedisBenchmarkCsvGivesRateAndPercentiles()
    {
        const string csv = """
            "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
            "EVALSHA 3f1c __rand_int__","11244.38","4.1","0.2","2.74","9.1","20.67","40.1"
            """;
        var r = RedisBenchmark.ParseCsv(csv, "scan", 50, 1, 1000);
        Assert.Equal(11244.38, r.RequestsPerSecond);
        Assert.Equal(2.74, r.P50Ms);
        Assert.Equal(20.67, r.P99Ms);
        Assert.Equal(40.1, r.MaxMs);
    }
}
