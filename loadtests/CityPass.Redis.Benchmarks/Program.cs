using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CityPass.Redis;

// Compares CityPass.Redis (N callers multiplexed on ONE connection) with redis-benchmark (N connections, -P 1)
// against the same redis-server in the same run. Usage:
//   dotnet run -c Release --project loadtests/CityPass.Redis.Benchmarks -- [--port P] [--requests 200000] [--clients 50] [--rounds 3] [--output file.md]
var arguments = ParseArguments(args);
var requests = int.Parse(arguments.GetValueOrDefault("requests", "200000"), CultureInfo.InvariantCulture);
var clients = int.Parse(arguments.GetValueOrDefault("clients", "50"), CultureInfo.InvariantCulture);
var rounds = int.Parse(arguments.GetValueOrDefault("rounds", "3"), CultureInfo.InvariantCulture);

Process? server = null;
int port;
if (arguments.TryGetValue("port", out var given))
{
    port = int.Parse(given, CultureInfo.InvariantCulture);
}
else
{
    port = FreePort();
    var directory = Directory.CreateTempSubdirectory("citypass-redis-bench").FullName;
    server = Process.Start(new ProcessStartInfo("redis-server", $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no --dir {directory}")
    {
        RedirectStandardOutput = true,
        UseShellExecute = false,
    })!;
}

try
{
    await using var client = await ConnectWithRetryAsync($"127.0.0.1:{port}");
    var script = new RedisScript("return redis.call('GET', KEYS[1])");
    await client.LoadScriptAsync(script);
    await client.SetAsync("key:__rand_int__", "xxx");

    var benchmarks = new (string Name, string[] RedisBenchmarkArguments, Func<RedisClient, Task> Operation)[]
    {
        ("SET", ["-t", "set"], static c => c.SetAsync("key:__rand_int__", "xxx")),
        ("GET", ["-t", "get"], static c => c.GetAsync("key:__rand_int__")),
        ("EVALSHA", ["evalsha", script.Sha1, "1", "key:__rand_int__"], c => c.EvaluateAsync(script, ["key:__rand_int__"])),
    };

    var rows = new List<string>();
    Console.WriteLine($"redis-server {await ServerVersionAsync(client)} on 127.0.0.1:{port}; {requests:N0} requests x {rounds} rounds; {clients} callers; {Environment.ProcessorCount} cores");
    foreach (var (name, benchmarkArguments, operation) in benchmarks)
    {
        // Warm up the JIT and the connection before measuring.
        await RunOursAsync(client, operation, Math.Min(requests, 20_000), clients);
        var theirs = new List<double>();
        var ours = new List<double>();
        var allocated = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            theirs.Add(await RunRedisBenchmarkAsync(port, clients, requests, benchmarkArguments));
            var (opsPerSecond, bytesPerOp) = await RunOursAsync(client, operation, requests, clients);
            ours.Add(opsPerSecond);
            allocated.Add(bytesPerOp);
        }

        var row = $"| {name} | {Median(ours):N0} | {Median(theirs):N0} | {Median(ours) / Median(theirs):0.00}x | {Median(allocated):N0} |";
        rows.Add(row);
        Console.WriteLine($"{name}: ours {string.Join(" / ", ours.Select(o => o.ToString("N0", CultureInfo.InvariantCulture)))} ops/s; redis-benchmark {string.Join(" / ", theirs.Select(o => o.ToString("N0", CultureInfo.InvariantCulture)))} ops/s");
    }

    var table = new StringBuilder()
        .AppendLine("| command | CityPass.Redis ops/s (1 connection) | redis-benchmark ops/s (50 connections, -P 1) | ratio | bytes allocated per command |")
        .AppendLine("|---|---:|---:|---:|---:|");
    foreach (var row in rows) table.AppendLine(row);
    Console.WriteLine();
    Console.Write(table);
    if (arguments.TryGetValue("output", out var output)) await File.WriteAllTextAsync(output, table.ToString());
}
finally
{
    if (server is not null)
    {
        server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
    }
}

static async Task<(double OpsPerSecond, double BytesPerOp)> RunOursAsync(RedisClient client, Func<RedisClient, Task> operation, int requests, int callers)
{
    var perCaller = requests / callers;
    var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var workers = Enumerable.Range(0, callers).Select(async _ =>
    {
        await start.Task;
        for (var i = 0; i < perCaller; i++) await operation(client);
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

static async Task<RedisClient> ConnectWithRetryAsync(string endPoint)
{
    for (var attempt = 0; ; attempt++)
    {
        try
        {
            return await RedisClient.ConnectAsync(endPoint);
        }
        catch (RedisConnectionException) when (attempt < 50)
        {
            await Task.Delay(100);
        }
    }
}

static async Task<string> ServerVersionAsync(RedisClient client)
{
    var info = (await client.ExecuteAsync("INFO", "server")).AsString() ?? "";
    return info.Split('\n').FirstOrDefault(l => l.StartsWith("redis_version:", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "?";
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static Dictionary<string, string> ParseArguments(string[] args)
{
    var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    for (var i = 0; i + 1 < args.Length; i += 2) result[args[i].TrimStart('-')] = args[i + 1];
    return result;
}
