using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Server.Scans;
using CityPass.Server.Stores.Redis;
using StackExchange.Redis;

// StackExchange.Redis, connected exactly as the server connects (RedisConnection: one multiplexer, the
// server's defaults), with N concurrent callers, against redis-benchmark (N connections, -P 1) on the
// same redis-server in the same run. Usage:
//   dotnet run -c Release --project loadtests/CityPass.RedisBenchmarks -- [--port P] [--requests 200000] [--clients 50] [--rounds 3] [--output file.md]
//     [--extra protocol=resp2]   (appended to the connection string, e.g. to compare settings)
//   dotnet run -c Release --project loadtests/CityPass.RedisBenchmarks -- --memory [--citizens 1000000] [--scans 200000] [--output report.md]
//     instead: the Redis bytes per citizen and per scan, through the server's RedisHotState (MemoryRun.cs; issue 14, target 7)
var arguments = ParseArguments(args);
var requests = int.Parse(arguments.GetValueOrDefault("requests", "200000"), CultureInfo.InvariantCulture);
var clients = int.Parse(arguments.GetValueOrDefault("clients", "50"), CultureInfo.InvariantCulture);
var rounds = int.Parse(arguments.GetValueOrDefault("rounds", "3"), CultureInfo.InvariantCulture);

Process? server = null;
string? directory = null;
int port;
if (arguments.TryGetValue("port", out var given))
{
    port = int.Parse(given, CultureInfo.InvariantCulture);
}
else
{
    port = FreePort();
    directory = Directory.CreateTempSubdirectory("citypass-redis-bench").FullName;
    var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var argument in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory })
        start.ArgumentList.Add(argument);
    server = Process.Start(start)!;
}

try
{
    var extra = arguments.GetValueOrDefault("extra", "");
    await using var multiplexer = await ConnectWithRetryAsync($"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}" + (extra.Length > 0 ? "," + extra : ""));
    if (arguments.ContainsKey("memory"))
    {
        await MemoryRun.RunAsync(multiplexer, arguments);
        return;
    }

    var db = multiplexer.GetDatabase();
    var script = new RedisScript("return redis.call('GET', KEYS[1])");
    await RedisScript.LoadAllAsync(multiplexer.GetServers()[0]);
    await db.StringSetAsync("key:__rand_int__", "xxx");
    RedisKey key = "key:__rand_int__";
    RedisValue value = "xxx";
    RedisKey[] scriptKeys = [key];

    var benchmarks = new (string Name, string[] RedisBenchmarkArguments, Func<Task> Operation)[]
    {
        ("SET", ["-t", "set"], () => db.StringSetAsync(key, value)),
        ("GET", ["-t", "get"], () => db.StringGetAsync(key)),
        ("EVALSHA (`return redis.call('GET', KEYS[1])`)", ["evalsha", script.Sha1Hex, "1", "key:__rand_int__"], () => db.ScriptEvaluateAsync(script.Sha1, scriptKeys)),
    };

    // The scan itself, as the server runs it (RedisHotState.ScanAsync: one EVALSHA of the scan script;
    // a foreign pass at one of 64 venues, always admitted). redis-benchmark has no counterpart: the load
    // runner (loadtests/run.sh) runs the scan script under redis-benchmark.
    var hot = new RedisHotState(multiplexer);
    var venues = Enumerable.Range(0, 64).Select(_ => Guid.NewGuid()).ToArray();
    var policy = new VenuePolicy { AllowedColours = StatusColours.All, AntiPassback = false };
    var window = new ScanOptions().DedupeWindow;
    var scans = 0;
    Task Scan()
    {
        var i = Interlocked.Increment(ref scans);
        var now = DateTimeOffset.UtcNow;
        var pass = new PassClaims(new IssuerId(330100), SignatureSuite.Es256, 1, 1, now.AddSeconds(-5), now.AddMinutes(1), StatusColour.Green, 1,
            Credentials.None, TokenId.NewRandom(), null);
        return hot.ScanAsync(new ScanAttempt(Guid.NewGuid(), Guid.NewGuid(), venues[i % venues.Length], ScanDirection.In, pass, policy, now, now)
        {
            DedupeWindow = window,
        }, CancellationToken.None);
    }

    var rows = new List<string>();
    var raw = new List<string>();
    Console.WriteLine($"redis-server {ServerVersion(multiplexer)} on 127.0.0.1:{port}; StackExchange.Redis {typeof(IDatabase).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion}; " +
        $"{requests:N0} requests x {rounds} rounds; {clients} callers; {Environment.ProcessorCount} cores");
    foreach (var (name, benchmarkArguments, operation) in benchmarks)
    {
        // Warm up the JIT and the connection before measuring.
        await RunOursAsync(operation, Math.Min(requests, 20_000), clients);
        var theirs = new List<double>();
        var ours = new List<double>();
        var allocated = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            theirs.Add(await RunRedisBenchmarkAsync(port, clients, requests, benchmarkArguments));
            var (opsPerSecond, bytesPerOp) = await RunOursAsync(operation, requests, clients);
            ours.Add(opsPerSecond);
            allocated.Add(bytesPerOp);
        }

        rows.Add($"| {name} | {Median(ours):N0} | {Median(theirs):N0} | {Median(ours) / Median(theirs):0.00}x | {Median(allocated):N0} |");
        var line = $"{name}: StackExchange.Redis {Join(ours)} ops/s; redis-benchmark {Join(theirs)} ops/s";
        raw.Add(line);
        Console.WriteLine(line);
    }

    {
        await RunOursAsync(Scan, Math.Min(requests, 20_000), clients);
        var ours = new List<double>();
        var allocated = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var (opsPerSecond, bytesPerOp) = await RunOursAsync(Scan, requests, clients);
            ours.Add(opsPerSecond);
            allocated.Add(bytesPerOp);
        }
        rows.Add($"| scan (`RedisHotState.ScanAsync`, the scan script by EVALSHA) | {Median(ours):N0} | – | – | {Median(allocated):N0} |");
        var line = $"scan: StackExchange.Redis {Join(ours)} ops/s";
        raw.Add(line);
        Console.WriteLine(line);
    }

    var table = new StringBuilder()
        .AppendLine(CultureInfo.InvariantCulture, $"| command | StackExchange.Redis ops/s (1 multiplexer, {clients} callers) | redis-benchmark ops/s ({clients} connections, -P 1) | ratio | bytes allocated per command |")
        .AppendLine("|---|---:|---:|---:|---:|");
    foreach (var row in rows) table.AppendLine(row);
    Console.WriteLine();
    Console.Write(table);
    if (arguments.TryGetValue("output", out var output)) await File.WriteAllTextAsync(output, table + Environment.NewLine + string.Join(Environment.NewLine, raw) + Environment.NewLine);
}
finally
{
    if (server is not null)
    {
        server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
        Directory.Delete(directory!, recursive: true);
    }
}

static string Join(List<double> values) => string.Join(" / ", values.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)));

static async Task<(double OpsPerSecond, double BytesPerOp)> RunOursAsync(Func<Task> operation, int requests, int callers)
{
    var perCaller = requests / callers;
    var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var workers = Enumerable.Range(0, callers).Select(async _ =>
    {
        await start.Task;
        for (var i = 0; i < perCaller; i++) await operation();
    }).ToArray();

    var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    var stopwatch = Stopwatch.StartNew();
    start.SetResult();
    await Task.WhenAll(workers);
    stopwatch.Stop();
    var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
    var total = perCaller * callers;
    return (total / stopwatch.Elapsed.TotalSeconds, (double)allocated / total);
}

static async Task<double> RunRedisBenchmarkAsync(int port, int clients, int requests, string[] test)
{
    var start = new ProcessStartInfo("redis-benchmark") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var argument in new[] { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-c", clients.ToString(CultureInfo.InvariantCulture), "-P", "1",
                 "-n", requests.ToString(CultureInfo.InvariantCulture), "--csv" }.Concat(test))
        start.ArgumentList.Add(argument);
    using var process = Process.Start(start)!;
    var output = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    // --csv: a header line, then "NAME","rps",...
    foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        var fields = line.Split(',');
        if (fields.Length > 1 && double.TryParse(fields[1].Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out var rps)) return rps;
    }

    throw new InvalidOperationException("Could not read redis-benchmark output: " + output);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted[sorted.Length / 2];
}

static async Task<ConnectionMultiplexer> ConnectWithRetryAsync(string connectionString)
{
    for (var attempt = 0; ; attempt++)
    {
        var multiplexer = await RedisConnection.ConnectAsync(connectionString);
        if (multiplexer.IsConnected || attempt >= 50) return multiplexer;
        await multiplexer.DisposeAsync();
        await Task.Delay(100);
    }
}

static string ServerVersion(IConnectionMultiplexer multiplexer) => multiplexer.GetServers()[0].Version.ToString();

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static Dictionary<string, string> ParseArguments(string[] args)
{
    var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    for (var i = 0; i < args.Length; i++)
    {
        // A name followed by another name, or by nothing, is a switch (--memory).
        var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
        result[args[i].TrimStart('-')] = hasValue ? args[++i] : "";
    }
    return result;
}
