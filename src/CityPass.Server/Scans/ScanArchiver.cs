using System.Globalization;
using CityPass.Redis;
using CityPass.Server.Stores.Redis;

namespace CityPass.Server.Scans;

public sealed record ScanArchiverOptions
{
    /// <summary>Entries read per stream per call.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>The pause when every stream was empty (no BLOCK on the shared connection, so it polls).</summary>
    public TimeSpan IdlePoll { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Entries another consumer has held unacknowledged this long are taken over: it has probably died.</summary>
    public TimeSpan ClaimIdle { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ClaimEvery { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Consumers with nothing pending and idle this long are removed from the group: every process start
    /// adds a consumer name, and without this the group's list would only grow.
    /// </summary>
    public TimeSpan ForgetConsumersIdle { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Drains the 16 scan streams into the scan store through the consumer group <see cref="Group"/>,
/// at least once: a batch is inserted (idempotent on each record's gate, scan id and decision time)
/// and only then acknowledged, so a crash between the two redelivers the batch and the insert
/// ignores what it already has; another gate's record with the same scan id is kept. Entries a dead
/// consumer left unacknowledged are claimed after <see cref="ScanArchiverOptions.ClaimIdle"/>. The
/// stream is trimmed below its oldest unacknowledged entry, so acknowledged entries go and nothing
/// unarchived does. Any number of replicas can run one each.
/// </summary>
public sealed class ScanArchiver : BackgroundService
{
    public const string Group = "archiver";

    private readonly Func<RedisClient> _redis;
    private readonly IScanStore _store;
    private readonly ILogger<ScanArchiver> _logger;
    private readonly ScanArchiverOptions _options;
    private readonly TimeProvider _clock;

    /// <param name="redis">
    /// Resolved when the archiver starts, not when it is built: the host builds every hosted service
    /// before starting any, and the client only exists once its own hosted service has connected it.
    /// </param>
    public ScanArchiver(Func<RedisClient> redis, IScanStore store, ILogger<ScanArchiver> logger, ScanArchiverOptions? options = null, TimeProvider? clock = null)
    {
        _redis = redis;
        _store = store;
        _logger = logger;
        _options = options ?? new ScanArchiverOptions();
        _clock = clock ?? TimeProvider.System;
        Consumer = $"{Environment.MachineName}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..8]}";
    }

    /// <summary>This archiver's name in the group: unique per instance, so a restarted process never mistakes a dead one's entries for its own.</summary>
    public string Consumer { get; }

    private sealed class Shard(int index)
    {
        public int Index { get; } = index;
        public string Stream { get; } = RedisKeys.ScanStream(index);
        public bool GroupReady { get; set; }
        public long NextClaim { get; set; }
        public long NextForget { get; set; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var redis = _redis();
        var shards = Enumerable.Range(0, RedisKeys.Shards).Select(i => new Shard(i)).ToArray();
        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var moved = 0;
                foreach (var shard in shards) moved += await DrainAsync(redis, shard, stoppingToken);
                backoff = TimeSpan.Zero;
                if (moved == 0) await Task.Delay(_options.IdlePoll, _clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Redis unreachable or the store failing: what was read stays pending for this consumer
                // and is read again ("0") on the next round, so nothing is skipped. Only the exception
                // type and message are logged: never the entries (names, citizen ids).
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

    /// <summary>One step on one stream; returns how many entries it archived.</summary>
    private async Task<int> DrainAsync(RedisClient redis, Shard shard, CancellationToken cancellationToken)
    {
        if (!shard.GroupReady)
        {
            // From 0, not $: entries written before the first archiver ever ran belong in the archive too.
            await redis.StreamCreateGroupAsync(shard.Stream, Group, "0", cancellationToken);
            shard.GroupReady = true;
        }

        try
        {
            // Our own unacknowledged entries first (an insert or ack failed last time), then new ones.
            var entries = await redis.StreamReadGroupAsync(shard.Stream, Group, Consumer, _options.BatchSize, "0", cancellationToken: cancellationToken);
            if (entries.Length == 0) entries = await redis.StreamReadGroupAsync(shard.Stream, Group, Consumer, _options.BatchSize, ">", cancellationToken: cancellationToken);
            if (entries.Length == 0 && _clock.GetTimestamp() >= shard.NextClaim)
            {
                shard.NextClaim = _clock.GetTimestamp() + (long)(_options.ClaimEvery.TotalSeconds * _clock.TimestampFrequency);
                var claimed = await redis.StreamAutoClaimAsync(shard.Stream, Group, Consumer, _options.ClaimIdle, count: _options.BatchSize, cancellationToken: cancellationToken);
                entries = [.. claimed.Entries];
                if (entries.Length > 0) _logger.LogInformation("Took over {Count} scan entries another archiver left unacknowledged on shard {Shard}.", entries.Length, shard.Index);
            }
            if (entries.Length == 0)
            {
                if (_clock.GetTimestamp() >= shard.NextForget)
                {
                    var every = _options.ForgetConsumersIdle < TimeSpan.FromMinutes(10) ? _options.ForgetConsumersIdle : TimeSpan.FromMinutes(10);
                    shard.NextForget = _clock.GetTimestamp() + (long)(every.TotalSeconds * _clock.TimestampFrequency);
                    await ForgetIdleConsumersAsync(redis, shard, cancellationToken);
                }
                return 0;
            }

            await ArchiveAsync(redis, shard, entries, cancellationToken);
            return entries.Length;
        }
        catch (RedisServerException ex) when (ex.Prefix == "NOGROUP")
        {
            // Redis lost the stream (a restart without persistence, a failover to a replica that never
            // had it): recreate the group and carry on with whatever the stream holds now.
            _logger.LogWarning("The scan stream of shard {Shard} lost its consumer group; recreating it.", shard.Index);
            shard.GroupReady = false;
            return 0;
        }
    }

    private async Task ForgetIdleConsumersAsync(RedisClient redis, Shard shard, CancellationToken cancellationToken)
    {
        var consumers = await redis.ExecuteAsync("XINFO", ["CONSUMERS", shard.Stream, Group], cancellationToken);
        foreach (var consumer in consumers.AsArray() ?? [])
        {
            var fields = consumer.AsArray() ?? [];
            string? name = null;
            long pending = -1, idleMs = 0;
            for (var i = 0; i + 1 < fields.Length; i += 2)
            {
                switch (fields[i].AsString())
                {
                    case "name": name = fields[i + 1].AsString(); break;
                    case "pending": pending = fields[i + 1].AsInt64(); break;
                    case "idle": idleMs = fields[i + 1].AsInt64(); break;
                }
            }
            // A live archiver polls every few hundred milliseconds; if one is removed anyway, its next read recreates it.
            if (name is null || name == Consumer || pending != 0 || idleMs < _options.ForgetConsumersIdle.TotalMilliseconds) continue;
            await redis.ExecuteAsync("XGROUP", ["DELCONSUMER", shard.Stream, Group, name], cancellationToken);
        }
    }

    private async Task ArchiveAsync(RedisClient redis, Shard shard, StreamEntry[] entries, CancellationToken cancellationToken)
    {
        var records = new List<ScanRecord>(entries.Length);
        foreach (var entry in entries)
        {
            // A pending entry deleted meanwhile comes back without fields: nothing left to archive.
            if (entry.Fields.Count == 0) continue;
            try
            {
                records.Add(ScanStreamFields.Parse(entry.Fields));
            }
            catch (FormatException)
            {
                // A bug, not an outage: retrying would block the shard for ever, dropping would lose a
                // scan. Park it beside the stream for a human and move on.
                await redis.StreamAddAsync(RedisKeys.DeadScans(shard.Index), [.. entry.Fields.Select(f => (f.Key, (RedisValue)f.Value))], cancellationToken: cancellationToken);
                _logger.LogError("Scan entry {Id} on shard {Shard} could not be read; moved to the dead-letter stream.", entry.Id, shard.Index);
            }
        }

        if (records.Count > 0) await _store.InsertAsync(records, cancellationToken);
        var ids = entries.Select(e => e.Id).ToArray();
        await redis.StreamAcknowledgeAsync(shard.Stream, Group, ids, cancellationToken);
        await TrimAsync(redis, shard, ids[^1], cancellationToken);
    }

    /// <summary>
    /// XTRIM MINID to the group's oldest unacknowledged entry (or just past what was acknowledged when
    /// nothing is pending): everything below it has been delivered and acknowledged, so archived.
    /// Chosen over XDEL per entry because it costs two commands per batch instead of one per entry
    /// and leaves no tombstones; it assumes this group is the stream's only reader.
    /// </summary>
    private static async Task TrimAsync(RedisClient redis, Shard shard, string lastAcknowledged, CancellationToken cancellationToken)
    {
        var pending = await redis.ExecuteAsync("XPENDING", [shard.Stream, Group], cancellationToken);
        var minId = pending[0].AsInt64() > 0 ? pending[1].AsString()! : Next(lastAcknowledged);
        await redis.StreamTrimAsync(shard.Stream, StreamTrim.ToMinId(minId, approximate: false), cancellationToken);
    }

    private static string Next(string id)
    {
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        var sequence = ulong.Parse(id.AsSpan(dash + 1), CultureInfo.InvariantCulture);
        return string.Concat(id.AsSpan(0, dash + 1), (sequence + 1).ToString(CultureInfo.InvariantCulture));
    }
}
