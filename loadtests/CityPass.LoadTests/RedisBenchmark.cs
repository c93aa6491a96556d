using System.Globalization;
using System.Reflection;
using CityPass.Server.Stores.Redis;
using StackExchange.Redis;

namespace CityPass.LoadTests;

/// <summary>redis-benchmark's figures for one command line.</summary>
public sealed record RedisBenchmarkResult(string Name, int Clients, int Pipeline, long Requests, double RequestsPerSecond, double P50Ms, double P99Ms, double MaxMs);

/// <summary>
/// The Redis ceiling for the scan's one round trip: redis-benchmark running the scan's own Lua script
/// (taken from the server assembly, so it is exactly what a scan runs) on the same redis-server.
/// Its keys are apart from the city's (<c>cpbench:{b}:...</c>), so the archiver never sees them, and the
/// dedupe and replay keys it makes expire within a minute. Every command takes the allowed path:
/// a new scan id, a new pass, a citizen who is not inside.
/// </summary>
public static class RedisBenchmark
{
    private static Type ScanScriptType => typeof(RedisKeys).Assembly.GetType("CityPass.Server.Stores.Redis.ScanScript", throwOnError: true)!;

    private static object? ScanScriptField(string name) =>
        ScanScriptType.GetField(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null);

    public static string ScanScriptLua() => ((RedisScript)ScanScriptField("Script")!).Lua;

    public static async Task<IReadOnlyList<RedisBenchmarkResult>> RunAsync(IDatabase redis, int port, long requests, string outputFile)
    {
        var lua = ScanScriptLua();
        var sha = (string)(await redis.ExecuteAsync("SCRIPT", "LOAD", lua))!;
        await redis.HashSetAsync("cpbench:{b}:citizen", [new("version", "1"), new("colour", "0"), new("credentials", "7"), new("name", "张*三")]);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        // KEYS: dedupe, occupancy, presence, bookings, replay mark, stream, tickets, citizen; ARGV as RedisHotState sends
        // them. Before the tickets key came (KEYS[7]) this sent 7, so the citizen's key was read as the tickets' and the
        // script answered 'unknown' at once: the ceiling it reported was the early exit's, not a scan's.
        string[] command =
        [
            "EVALSHA", sha, "8",
            "cpbench:{b}:scan:__rand_int__", "cpbench:{b}:occupancy", "cpbench:{b}:inside", "cpbench:{b}:bookings",
            "cpbench:{b}:entered:__rand_int__", "cpbench:{b}:scans", "cpbench:{b}:tickets", "cpbench:{b}:citizen",
            // The pseudonym, the pass (green, version 1, credentials), 'in', the policy (green only, none required, no
            // capacity, no booking, anti-passback, open), replay mark and dedupe lifetimes (a minute), no deadline (the
            // benchmark measures the script, not a budget), not a late upload.
            "__rand_int__", "0", "1", "7", "in", "1", "0", "-1", "0", "1", "1", "60000", "60000", "", "0",
            // The record's head: decided at, citizen, scan id, gate, venue, direction, issuer, token, scanned at, late.
            $"{now}|__rand_int__|__rand_int__|11111111222233334444555555555555|66666666777788889999000000000000|in|310000|__rand_int__|{now}|0",
            // No pass cached with its status; now, for a ticket's window (the policy asks for no booking).
            "", "", "", "", now,
        ];
        // The script's arguments grow with the features; a benchmark sending too few fails inside Lua with a puzzling error.
        var keys = (int)ScanScriptField("KeyCount")!;
        if (command[2] != keys.ToString(CultureInfo.InvariantCulture)) throw new InvalidOperationException($"The scan script takes {keys} keys; the benchmark sends {command[2]}: update RedisBenchmark.");
        var arguments = command.Length - 3 - keys;
        var expected = (int)ScanScriptField("ArgumentCount")!;
        if (arguments != expected) throw new InvalidOperationException($"The scan script takes {expected} arguments; the benchmark sends {arguments}: update RedisBenchmark.");
        var results = new List<RedisBenchmarkResult>();
        var log = new List<string>();
        foreach (var (clients, pipeline) in new[] { (50, 1), (50, 16) })
        {
            string[] args =
            [
                "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture),
                "-c", clients.ToString(CultureInfo.InvariantCulture), "-n", requests.ToString(CultureInfo.InvariantCulture),
                "-P", pipeline.ToString(CultureInfo.InvariantCulture), "-r", "100000000000", "--csv", .. command,
            ];
            var output = await Processes.CheckedAsync("redis-benchmark", args, TimeSpan.FromMinutes(5));
            log.Add($"redis-benchmark -c {clients} -P {pipeline}\n{output}");
            results.Add(ParseCsv(output, $"scan script (EVALSHA), -c {clients} -P {pipeline}", clients, pipeline, requests));
            // Every call admitted is a record in the stream (random ids may collide now and then: a duplicate records
            // nothing); a script that answered early ('unknown', 'late') would leave it nearly empty.
            var recorded = await redis.StreamLengthAsync("cpbench:{b}:scans");
            if (recorded < requests * 9 / 10)
            {
                throw new InvalidOperationException($"redis-benchmark's {requests:N0} scans left {recorded:N0} records: the script did not take the allowed path; " +
                    $"check RedisBenchmark's keys and arguments. One call of the same command now answers: {await AnswerOfOneCallAsync(redis, command)}.");
            }
            // The stream and the presence set grow with every allowed scan; start each measurement alike.
            await redis.KeyDeleteAsync(["cpbench:{b}:scans", "cpbench:{b}:inside", "cpbench:{b}:occupancy"]);
        }
        await redis.KeyDeleteAsync("cpbench:{b}:citizen");
        await File.WriteAllLinesAsync(outputFile, log);
        return results;
    }

    /// <summary>What the benchmark's command answers when sent once, with its random fields filled in: the script's early answer, or Redis's error.</summary>
    private static async Task<string> AnswerOfOneCallAsync(IDatabase redis, string[] command)
    {
        var arguments = command[1..].Select(a => (object)a.Replace("__rand_int__", Random.Shared.NextInt64(1, 100_000_000_000).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)).ToArray();
        try
        {
            var answer = await redis.ExecuteAsync(command[0], arguments);
            return answer.Resp2Type == ResultType.Array ? "[" + string.Join(", ", ((RedisResult[])answer!).Select(r => r.ToString())) + "]" : answer.ToString();
        }
        catch (RedisException e)
        {
            return e.GetType().Name + ": " + e.Message;
        }
    }

    /// <summary>redis-benchmark --csv: a header line, then "name","rps","avg","min","p50","p95","p99","max".</summary>
    public static RedisBenchmarkResult ParseCsv(string csv, string name, int clients, int pipeline, long requests)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var line = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Last(l => l.StartsWith('"') && !l.StartsWith("\"test\"", StringComparison.Ordinal));
        var f = line.Split("\",\"").Select(x => x.Trim('"')).ToArray();
        double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
        return new RedisBenchmarkResult(name, clients, pipeline, requests, D(1), D(4), D(6), D(7));
    }
}
