using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

public sealed class CpuProfileTests
{
    // Frame 0 thread start, 1 a worker parked in its semaphore (native), 2 the scan endpoint, 3 the pass verifier, 4 native code.
    private const string Speedscope = """
        {"shared":{"frames":[
          {"name":"System.Private.CoreLib!System.Threading.PortableThreadPool+WorkerThread.WorkerThreadStart()"},
          {"name":"UNMANAGED_CODE_TIME"},
          {"name":"CityPass.Server!CityPass.Server.Scans.ScanService+<ScanAsync>d__10.MoveNext()"},
          {"name":"CityPass.Core!CityPass.Core.Tokens.PassVerifier.Verify(value class System.ReadOnlySpan`1<wchar>)"},
          {"name":"System.Private.CoreLib!System.Security.Cryptography.HMACSHA256.HashData()"}]},
         "profiles":[{"type":"evented","name":"worker","unit":"milliseconds","startValue":0,"endValue":100,"events":[
          {"type":"O","frame":0,"at":0},{"type":"O","frame":1,"at":0},{"type":"C","frame":1,"at":60},
          {"type":"O","frame":2,"at":60},{"type":"O","frame":3,"at":70},{"type":"O","frame":4,"at":80},
          {"type":"C","frame":4,"at":100},{"type":"C","frame":3,"at":100},{"type":"C","frame":2,"at":100},{"type":"C","frame":0,"at":100}]}]}
        """;

    [Fact]
    public void ParkedWorkersAreIdleAndWorkGoesToWhoAskedForIt()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, Speedscope);
            var p = CpuProfile.Analyse(file, file);
            Assert.Equal(60, p.IdleMs, 6);
            Assert.Equal(40, p.BusyMs, 6);
            // The HMAC's 20 ms and the verifier's own 10 ms belong to pass verification; the service's 10 ms to the scan service.
            Assert.Equal(75, p.ByComponent.Single(c => c.Name.StartsWith("pass verification", StringComparison.Ordinal)).Percent, 6);
            Assert.Equal(25, p.ByComponent.Single(c => c.Name.StartsWith("scan service", StringComparison.Ordinal)).Percent, 6);
            Assert.Equal(100, p.TopInclusiveCityPass.Single(e => e.Name.StartsWith("CityPass.Server.Scans.ScanService", StringComparison.Ordinal)).Percent, 6);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
