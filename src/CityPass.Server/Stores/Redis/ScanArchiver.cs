using System.Globalization;
using CityPass.Server.Scans;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

public sealed record ScanArchiverOptions
{
    /// <summary>Entries read per stream per round; a round archives what all the streams it holds gave in one insert.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>The pause when every stream was empty (XRANGE does not block, and the multiplexer is shared, so it polls).</summary>
    public TimeSpan IdlePoll { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// After a round in which no stream filled a batch, the next one begins this long after it began: entries
    /// wait up to this much longer for the archive, and each round's commands and its one insert carry many
    /// entries instead of a handful. Rounds taken as fast as they came cost Redis more per scan than the scans
    /// themselves (measured: loadtests/run.sh --ab). A full batch means a backlog: no wait then.
    /// <para>
    /// Longer rounds cost less a scan but come as bursts. At half the load runner's maximum, 500 ms rounds (about
    /// 3,000 rows) made a fifth of the archiver's Redis calls and cost the roll-ups 0.7x of the database's CPU, but
    /// where PostgreSQL shares the scan path's cores each round's insert took a core for tens of milliseconds: the
    /// scans' latency rose by 20-40 ms every round, and two turns of three fell behind for seconds (p99 284 and 298 ms
    /// against 32-94; loadtests/results/20261204-081149). So the default stays near the rounds' natural pace; a
    /// deployment whose PostgreSQL has cores of its own can raise HotState:ArchiveRoundMilliseconds.
    /// </para>
    /// </summary>
    public TimeSpan RoundInterval { get; init; } = TimeSpan.FromMilliseconds(DefaultRoundMilliseconds);

    public const int DefaultRoundMilliseconds = 100;

    /// <summary>
    /// How often the parked entries of a shard (<see cref="RedisKeys.DeadScans"/>) are read again: one this version can
    /// read (a pod of the version before parked an entry of this one during a release, or a fix came out) is archived
    /// and leaves the dead-letter stream.
    /// </summary>
    public TimeSpan RetryParkedEvery { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The name of the shards' leases (<see cref="ShardLeases"/>) that the replicas archiving the city share out.</summary>
    public string LeaseName { get; init; } = "scan-archive";

    /// <summary>
    /// How long the shards of a replica that stops renewing (killed, cut off) wait for another archiver: the scans wait
    /// in their streams meanwhile, and the gates' answers do not. A replica that stops gracefully gives its shards up at
    /// once. The leases are renewed at the start of a round, so this must outlast two rounds (checked when the archiver
    /// is built).
    /// </summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a replica renews its leases and takes its share: replicas that join or leave are balanced within about this.</summary>
    public TimeSpan LeaseEvery { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Drains the 16 scan streams into the scan store, at least once. Each stream is archived by one replica at a time, and
/// the replicas that archive share the streams out (<see cref="ShardLeases"/>). A round reads the head of every stream
/// this replica holds at once (<c>XRANGE</c>; the reads share the connection's pipeline), inserts what they gave in one
/// statement and one commit, then trims each stream to just past the last entry it read (<c>XTRIM MINID</c>): the
/// store's cost per round does not grow with the number of streams, and Redis keeps no bookkeeping of who read what. The insert is idempotent on each record's gate,
/// scan id and decision time, so a crash between insert and trim only makes the next round insert the same entries
/// again, which the store ignores; another gate's record with the same scan id is kept.
/// <para>
/// Why not a consumer group: <c>XREADGROUP</c> costs Redis three times an <c>XRANGE</c> of the head and writes an
/// <c>XCLAIM</c> per entry to the append-only file, a fifth of the file at the load runner's rates, to keep a pending
/// list the archive does not need (docs/performance.md, "What the append-only file costs Redis").
/// </para>
/// <para>
/// The leases are for efficiency, not safety: during a handover two replicas may both archive a stream, and nothing is
/// lost, because each trims only below entries it has inserted itself and stream ids only grow (an entry added after a
/// read is above everything that read returned).
/// </para>
/// </summary>
public sealed class ScanArchiver : BackgroundService
{
    private readonly Func<IConnectionMultiplexer> _redis;
    private readonly IScanStore _store;
    private readonly ILogger<ScanArchiver> _logger;
    private readonly ScanArchiverOptions _options;
    private readonly TimeProvider _clock;

    /// <param name="redis">
    /// Resolved when the archiver starts, not when it is built: the host builds every hosted service
    /// before starting any, and the multiplexer only exists once <see cref="RedisConnection"/> has started.
    /// </param>
    public ScanArchiver(Func<IConnectionMultiplexer> redis, IScanStore store, ILogger<ScanArchiver> logger, ScanArchiverOptions? options = null, TimeProvider? clock = null)
    {
        _redis = redis;
        _store = store;
        _logger = logger;
        _options = options ?? new ScanArchiverOptions();
        if (_options.LeaseTtl <= 2 * (_options.RoundInterval + _options.IdlePoll + _options.LeaseEvery))
        {
            throw new ArgumentException("The archive's leases must outlast two rounds, or their holder would lose them between renewals.", nameof(options));
        }
        _clock = clock ?? TimeProvider.System;
        Leases = new ShardLeases(redis, _options.LeaseName, RedisKeys.Shards, _options.LeaseTtl);
    }

    /// <summary>The leases by which this archiver takes its share of the streams.</summary>
    public ShardLeases Leases { get; }

    private sealed class Shard(int index)
    {
        public int Index { get; } = index;
        public RedisKey Stream { get; } = RedisKeys.ScanStream(index);
        public long NextRetryParked { get; set; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var redis = _redis().GetDatabase();
        var shards = Enumerable.Range(0, RedisKeys.Shards).Select(i => new Shard(i)).ToArray();
        var backoff = TimeSpan.Zero;
        Shard[] held = [];
        var leased = false;
        long renewAt = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var began = _clock.GetTimestamp();
                    if (began >= renewAt)
                    {
                        leased = true;
                        var indices = await Leases.HoldAsync();
                        if (indices.Length != held.Length) _logger.LogInformation("This replica now archives {Count} of the {Shards} scan streams.", indices.Length, shards.Length);
                        held = [.. indices.Select(i => shards[i])];
                        renewAt = began + Ticks(_options.LeaseEvery);
                    }
                    if (held.Length == 0)
                    {
                        await Task.Delay(_options.LeaseEvery, _clock, stoppingToken);
                        continue;
                    }

                    var batches = await Task.WhenAll(held.Select(shard => ReadAsync(redis, shard)));
                    var moved = await ArchiveAsync(redis, batches, stoppingToken);
                    backoff = TimeSpan.Zero;
                    if (moved == 0) await Task.Delay(_options.IdlePoll, _clock, stoppingToken);
                    else if (!batches.Any(b => b.Entries.Length == _options.BatchSize) && _options.RoundInterval - _clock.GetElapsedTime(began) is { Ticks: > 0 } left)
                    {
                        await Task.Delay(left, _clock, stoppingToken);
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    // Redis unreachable or the store failing: nothing was trimmed that was not inserted, so the next
                    // round reads the same entries again. Only the exception type and message are logged: never the
                    // entries (names, citizen ids).
                    backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
                    _logger.LogWarning("Scan archiving failed ({Error}: {Message}); retrying in {Delay} ms.", ex.GetType().Name, ex.Message, backoff.TotalMilliseconds);
                    try
                    {
                        await Task.Delay(backoff, _clock, stoppingToken);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            if (leased) await ReleaseLeasesAsync();
        }
    }

    /// <summary>On a graceful stop, so that the other replicas take its shards at their next try, not once the leases have lapsed.</summary>
    private async Task ReleaseLeasesAsync()
    {
        try
        {
            await Leases.ReleaseAsync().WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception ex)
        {
            // Redis is unreachable as the process stops: the leases lapse by themselves.
            _logger.LogInformation("Could not give up the archive's leases ({Error}); they lapse by themselves.", ex.GetType().Name);
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _clock.TimestampFrequency);

    /// <summary>What one round read from one stream.</summary>
    private readonly record struct Batch(Shard Shard, StreamEntry[] Entries);

    /// <summary>One round's read of one stream's head; with nothing to read, its parked entries are tried again when due.</summary>
    private async Task<Batch> ReadAsync(IDatabase redis, Shard shard)
    {
        var entries = await redis.StreamRangeAsync(shard.Stream, "-", "+", _options.BatchSize);
        if (entries.Length == 0 && _clock.GetTimestamp() >= shard.NextRetryParked)
        {
            shard.NextRetryParked = _clock.GetTimestamp() + Ticks(_options.RetryParkedEvery);
            await RetryParkedAsync(redis, shard);
        }
        return new Batch(shard, entries);
    }

    /// <summary>
    /// Archives the parked entries of the shard this version can read, then deletes them from the dead-letter stream
    /// (insert first: a crash in between inserts them again, which the store ignores). The rest stay for a human.
    /// </summary>
    private async Task RetryParkedAsync(IDatabase redis, Shard shard)
    {
        var dead = RedisKeys.DeadScans(shard.Index);
        RedisValue after = "-";
        // Bounded, so a dead-letter stream grown huge by a bug cannot stall the round: the rest waits for the next try.
        for (var page = 0; page < 20; page++)
        {
            var entries = await redis.StreamRangeAsync(dead, after, "+", _options.BatchSize);
            if (entries.Length == 0) return;
            after = "(" + (string?)entries[^1].Id;
            var records = new List<ScanRecord>();
            var ids = new List<RedisValue>();
            foreach (var entry in entries)
            {
                try
                {
                    records.Add(ScanStreamFields.Parse(entry.Values));
                    ids.Add(entry.Id);
                }
                catch (FormatException)
                {
                    // Still unreadable: it stays parked.
                }
            }
            if (records.Count > 0)
            {
                await _store.InsertAsync(records, CancellationToken.None);
                await redis.StreamDeleteAsync(dead, [.. ids]);
                _logger.LogInformation("Archived {Count} scan entries parked on shard {Shard} that this version can read.", records.Count, shard.Index);
            }
            if (entries.Length < _options.BatchSize) return;
        }
    }

    /// <summary>Inserts what the round read from every stream in one go, then trims each behind it; returns how many entries it archived.</summary>
    private async Task<int> ArchiveAsync(IDatabase redis, Batch[] batches, CancellationToken cancellationToken)
    {
        var records = new List<ScanRecord>();
        var read = 0;
        foreach (var (shard, entries) in batches)
        {
            read += entries.Length;
            foreach (var entry in entries)
            {
                try
                {
                    records.Add(ScanStreamFields.Parse(entry.Values));
                }
                catch (FormatException)
                {
                    // A bug, not an outage: retrying would block the shard for ever, dropping would lose a
                    // scan. Park it beside the stream for a human and move on.
                    await redis.StreamAddAsync(RedisKeys.DeadScans(shard.Index), entry.Values);
                    _logger.LogError("Scan entry {Id} on shard {Shard} could not be read; moved to the dead-letter stream.", (string?)entry.Id, shard.Index);
                }
            }
        }
        if (read == 0) return 0;

        if (records.Count > 0) await _store.InsertAsync(records, cancellationToken);
        await Task.WhenAll(batches.Where(b => b.Entries.Length > 0).Select(b =>
            redis.StreamTrimByMinIdAsync(b.Shard.Stream, Next((string)b.Entries[^1].Id!), useApproximateMaxLength: false)));
        return read;
    }

    /// <summary>
    /// The smallest id above <paramref name="id"/>: the stream is trimmed to it, so the entries read go and nothing
    /// added since does. Exact, not approximate, so trimmed entries are not read (and inserted) again next round.
    /// </summary>
    private static string Next(string id)
    {
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        var sequence = ulong.Parse(id.AsSpan(dash + 1), CultureInfo.InvariantCulture);
        return string.Concat(id.AsSpan(0, dash + 1), (sequence + 1).ToString(CultureInfo.InvariantCulture));
    }
}
