using System.Diagnostics;
using System.Globalization;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Server.Citizens;
using CityPass.Server.Keys;
using CityPass.Server.Scans;
using CityPass.Server.Stores.Redis;
using StackExchange.Redis;

/// <summary>
/// <c>--memory</c> (issue 14, target 7): the Redis bytes a citizen's hot copy takes and those a scan leaves behind,
/// measured by running the server's own <see cref="RedisHotState"/> against the redis-server Program.cs started, so
/// what is measured is what the product stores. A scan leaves three things, each kept for its own time: its dedupe
/// answer and the pass's replay mark (until their TTLs), its stream entry (until the archiver has it in PostgreSQL),
/// and the citizen in the venue's presence set (until they leave). used_memory is read after the scans, after the
/// scan streams are deleted (as the archiver would once it has them) and after the venues are forgotten (the
/// server's own <see cref="RedisHotState.ForgetVenueAsync"/>: presence and occupancy), so each difference is one of
/// the three, and what is left is the keys with a TTL.
/// </summary>
internal static class MemoryRun
{
    // Enough calls in flight to keep redis-server busy from one multiplexer, as a server's many requests do.
    private const int InFlight = 256;
    private const int VenueCount = 64;
    private const int SampleSize = 1_000;
    private const int ProgressEvery = 100_000;

    public static async Task RunAsync(ConnectionMultiplexer multiplexer, IReadOnlyDictionary<string, string> arguments)
    {
        var citizenCount = int.Parse(arguments.GetValueOrDefault("citizens", "1000000"), CultureInfo.InvariantCulture);
        var scanCount = int.Parse(arguments.GetValueOrDefault("scans", "200000"), CultureInfo.InvariantCulture);
        var hot = new RedisHotState(multiplexer);
        // INFO, MEMORY STATS and CONFIG GET are admin commands to the library, which the server's connection does not
        // allow: the server's connection writes, this one reads what it cost.
        var readerOptions = ConfigurationOptions.Parse(multiplexer.Configuration);
        readerOptions.AllowAdmin = true;
        await using var reader = await ConnectionMultiplexer.ConnectAsync(readerOptions);
        var server = reader.GetServers()[0];
        var db = reader.GetDatabase();
        var random = new Random(14);
        if (await server.DatabaseSizeAsync() > 0) Console.WriteLine("warning: the database is not empty; its other keys' changes count too");

        var empty = await MemoryReading.ReadAsync("before seeding", server);
        var citizens = SampleCitizens.Make(citizenCount, random);
        var seedTime = await RunConcurrentlyAsync("citizens", citizenCount, i => hot.PutCitizenAsync(citizens[i], CancellationToken.None));
        var seeded = await MemoryReading.ReadAsync("citizens seeded", server);
        var citizenKeys = Sample(citizenCount).Select(i => RedisKeys.Citizen(citizens[i].Id)).ToArray();
        var citizenSample = await KeySample.ReadAsync(db, citizenKeys);

        // This city's passes of seeded citizens, at venues that admit every colour with anti-passback (the only venues that
        // keep a presence set), so every scan is an entry that writes all it can: the dedupe answer, the replay mark, the
        // stream entry, the presence set. Each scan comes from a new gate with a new scan id and a new pass, as at a city's
        // worth of gates, and from a citizen not yet inside that venue: the citizens in a shuffled order, none twice while
        // there are at most as many scans as citizens.
        if (scanCount > citizenCount) throw new ArgumentException("--scans must be at most --citizens: each scan is an entry of a citizen not yet inside.");
        var venues = Enumerable.Range(0, VenueCount).Select(_ => NewGuid(random)).ToArray();
        var order = Enumerable.Range(0, citizenCount).ToArray();
        random.Shuffle(order);
        var scanned = order.Take(scanCount).Select(i => citizens[i]).ToArray();
        var issuer = IssuerId.TryParse(new KeyOptions().IssuerCode, out var code) ? code : throw new InvalidOperationException("The default issuer code does not parse.");
        var passLifetime = TimeSpan.FromSeconds(new PassOptions().LifetimeSeconds);
        var policy = new VenuePolicy { AllowedColours = StatusColours.All, AntiPassback = true };
        var dedupeWindow = new ScanOptions().DedupeWindow;
        var sampledFrom = scanCount - Math.Min(SampleSize, scanCount);
        var sampledScans = new ScanAttempt[scanCount - sampledFrom];
        var scanTime = await RunConcurrentlyAsync("scans", scanCount, async i =>
        {
            var citizen = scanned[i];
            var now = DateTimeOffset.UtcNow;
            // Scanned as soon as it was issued: the replay mark then lives longest (the pass's lifetime and a minute).
            var pass = new PassClaims(issuer, SignatureSuite.Es256, 1, 1, now, now + passLifetime, citizen.Colour, citizen.StatusVersion, citizen.Credentials,
                TokenId.NewRandom(), citizen.Id);
            var attempt = new ScanAttempt(Guid.NewGuid(), Guid.NewGuid(), venues[i % VenueCount], ScanDirection.In, pass, policy, now, now) { DedupeWindow = dedupeWindow };
            var outcome = await hot.ScanAsync(attempt, CancellationToken.None);
            if (outcome is not { Record.Allowed: true, Duplicate: false })
                throw new InvalidOperationException($"Scan {i} was not a new admitted entry: {outcome?.Record.Code.ToString() ?? "unknown citizen"}.");
            if (i >= sampledFrom) sampledScans[i - sampledFrom] = attempt;
        });
        var afterScans = await MemoryReading.ReadAsync("scans run", server);

        var streams = RedisKeys.AllScanStreams.Select(stream => (RedisKey)stream).ToArray();
        long streamEntries = 0, streamMemoryUsage = 0;
        foreach (var stream in streams)
        {
            streamEntries += await db.StreamLengthAsync(stream);
            // SAMPLES 0: every node of the stream, not an estimate from the first few.
            var usage = await db.ExecuteAsync("MEMORY", "USAGE", stream, "SAMPLES", 0);
            streamMemoryUsage += usage.IsNull ? 0 : (long)usage;
        }
        await db.KeyDeleteAsync(streams);
        var archived = await MemoryReading.ReadAsync("scan streams deleted (archived)", server);

        long presenceMembers = 0;
        foreach (var venue in venues)
        {
            presenceMembers += await db.SetLengthAsync(new RedisKeys.Venue(venue).Presence);
            await hot.ForgetVenueAsync(venue, CancellationToken.None);
        }
        var forgotten = await MemoryReading.ReadAsync("venues forgotten (presence, occupancy)", server);

        var dedupeSample = await KeySample.ReadAsync(db, sampledScans.Select(a => new RedisKeys.Venue(a.VenueId).Dedupe(a.GateId, a.ScanId)).ToArray());
        var replaySample = await KeySample.ReadAsync(db, sampledScans.Select(a => new RedisKeys.Venue(a.VenueId).ReplayMark(a.Claims.TokenId)).ToArray());

        var report = new MemoryReport(
            RedisVersion: server.Version.ToString(),
            RedisAllocator: (await server.InfoAsync("memory")).SelectMany(section => section).Single(pair => pair.Key == "mem_allocator").Value,
            Citizens: citizenCount,
            Scans: scanCount,
            Venues: VenueCount,
            Empty: empty,
            Seeded: seeded,
            Scanned: afterScans,
            Archived: archived,
            Forgotten: forgotten,
            CitizenKeys: citizenSample,
            HashListpackLimits: await ConfigAsync(server, "hash-max-listpack-entries", "hash-max-listpack-value"),
            DedupeAnswers: dedupeSample,
            ReplayMarks: replaySample,
            StreamEntries: streamEntries,
            StreamMemoryUsage: streamMemoryUsage,
            PresenceMembers: presenceMembers,
            DedupeWindow: dedupeWindow,
            ReplayMarkLifetime: sampledScans[0].ReplayMarkUntil - sampledScans[0].Now,
            PassLifetime: passLifetime,
            SeedTime: seedTime,
            ScanTime: scanTime);
        var markdown = report.ToMarkdown();
        Console.WriteLine();
        Console.Write(markdown);
        if (arguments.TryGetValue("output", out var output)) await File.WriteAllTextAsync(output, markdown);
    }

    /// <summary>Runs <paramref name="operation"/> for 0 .. count − 1 with <see cref="InFlight"/> calls in flight; returns the wall time.</summary>
    private static async Task<TimeSpan> RunConcurrentlyAsync(string what, int count, Func<int, Task> operation)
    {
        var next = -1;
        var done = 0;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, InFlight).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                await operation(i);
                var finished = Interlocked.Increment(ref done);
                if (finished % ProgressEvery == 0)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: {finished:N0} of {count:N0} ({stopwatch.Elapsed.TotalSeconds:0.0} s)"));
            }
        }));
        return stopwatch.Elapsed;
    }

    /// <summary><see cref="SampleSize"/> indexes spread evenly over 0 .. count − 1.</summary>
    private static IEnumerable<int> Sample(int count)
    {
        var size = Math.Min(SampleSize, count);
        return Enumerable.Range(0, size).Select(i => (int)((long)i * count / size));
    }

    private static Guid NewGuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }

    private static async Task<string> ConfigAsync(IServer server, params string[] names)
    {
        var values = new List<string>();
        foreach (var name in names)
        {
            foreach (var pair in await server.ConfigGetAsync(name)) values.Add($"{pair.Key} {pair.Value}");
        }
        return string.Join(", ", values);
    }
}
