using System.Globalization;
using CityPass.Server.Scans;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

public sealed record ScanArchiverOptions
{
    /// <summary>Entries read per stream per round; a round archives what all 16 streams gave in one insert.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>The pause when every stream was empty (no BLOCK on the shared multiplexer, so it polls).</summary>
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

    /// <summary>Entries another consumer has held unacknowledged this long are taken over: it has probably died.</summary>
    public TimeSpan ClaimIdle { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ClaimEvery { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the parked entries of a shard (<see cref="RedisKeys.DeadScans"/>) are read again: one this version can
    /// read (a pod of the version before parked an entry of this one during a release, or a fix came out) is archived
    /// and leaves the dead-letter stream.
    /// </summary>
    public TimeSpan RetryParkedEvery { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Consumers with nothing pending and idle this long are removed from the group: every process start
    /// adds a consumer name, and without this the group's list would only grow.
    /// </summary>
    public TimeSpan ForgetConsumersIdle { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Drains the 16 scan streams into the scan store through the consumer group <see cref="Group"/>,
/// at least once. A round reads every stream at once (the reads share the connection's pipeline), inserts
/// what they gave in one statement and one commit, then acknowledges: the store's cost per round does not grow
/// with the number of streams, which is what made the archive cost as much at a quarter of the load as at three
/// quarters. A batch is inserted (idempotent on each record's gate, scan id and decision time)
/// and only then acknowledged, so a crash between the two redelivers the batch and the insert
/// ignores what it already has; another gate's record with the same scan id is kept. Entries a dead
/// consumer left unacknowledged are claimed after <see cref="ScanArchiverOptions.ClaimIdle"/>. The
/// stream is trimmed below its oldest unacknowledged entry, so acknowledged entries go and nothing
/// unarchived does. Any number of replicas can run one each.
/// </summary>
public sealed class ScanArchiver : BackgroundService
{
    public const string Group = "archiver";

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
        _clock = clock ?? TimeProvider.System;
        Consumer = $"{Environment.MachineName}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..8]}";
    }

    /// <summary>This archiver's name in the group: unique per instance, so a restarted process never mistakes a dead one's entries for its own.</summary>
    public string Consumer { get; }

    private sealed class Shard(int index)
    {
        public int Index { get; } = index;
        public RedisKey Stream { get; } = RedisKeys.ScanStream(index);
        public bool GroupReady { get; set; }
        // Our consumer's own unacknowledged entries exist only after a failed round: read them ("0") only then.
        public bool MayHavePending { get; set; } = true;
        // Acknowledged entries may still be in the stream: at start (an earlier life acknowledged and stopped before
        // trimming) and after a round that acknowledged but failed to trim. Trimmed then even if no scan comes.
        public bool MayNeedTrim { get; set; } = true;
        public long NextClaim { get; set; }
        public long NextForget { get; set; }
        public long NextRetryParked { get; set; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var redis = _redis().GetDatabase();
        var shards = Enumerable.Range(0, RedisKeys.Shards).Select(i => new Shard(i)).ToArray();
        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var began = _clock.GetTimestamp();
                var batches = await Task.WhenAll(shards.Select(shard => ReadAsync(redis, shard)));
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
                // Redis unreachable or the store failing: what was read stays pending for this consumer
                // and is read again ("0") on the next round, so nothing is skipped. Only the exception
                // type and message are logged: never the entries (names, citizen ids).
                foreach (var shard in shards) shard.MayHavePending = shard.MayNeedTrim = true;
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

    /// <summary>What one round read from one stream.</summary>
    private readonly record struct Batch(Shard Shard, StreamEntry[] Entries);

    /// <summary>One round's read of one stream; with nothing to read, the shard's housekeeping (trim, forgotten consumers) instead.</summary>
    private async Task<Batch> ReadAsync(IDatabase redis, Shard shard)
    {
        if (!shard.GroupReady)
        {
            await CreateGroupAsync(redis, shard.Stream);
            shard.GroupReady = true;
        }

        try
        {
            // Our own unacknowledged entries first (an insert or ack failed last time), then new ones.
            var entries = shard.MayHavePending
                ? await redis.StreamReadGroupAsync(shard.Stream, Group, Consumer, StreamPosition.Beginning, _options.BatchSize)
                : [];
            if (entries.Length == 0)
            {
                shard.MayHavePending = false;
                entries = await redis.StreamReadGroupAsync(shard.Stream, Group, Consumer, StreamPosition.NewMessages, _options.BatchSize);
            }
            if (entries.Length == 0 && _clock.GetTimestamp() >= shard.NextClaim)
            {
                shard.NextClaim = _clock.GetTimestamp() + (long)(_options.ClaimEvery.TotalSeconds * _clock.TimestampFrequency);
                var claimed = await redis.StreamAutoClaimAsync(shard.Stream, Group, Consumer, (long)_options.ClaimIdle.TotalMilliseconds, "0-0", _options.BatchSize);
                entries = claimed.ClaimedEntries;
                if (entries.Length > 0) _logger.LogInformation("Took over {Count} scan entries another archiver left unacknowledged on shard {Shard}.", entries.Length, shard.Index);
            }
            if (entries.Length == 0)
            {
                if (shard.MayNeedTrim)
                {
                    await TrimAsync(redis, shard, lastAcknowledged: null);
                    shard.MayNeedTrim = false;
                }
                if (_clock.GetTimestamp() >= shard.NextForget)
                {
                    var every = _options.ForgetConsumersIdle < TimeSpan.FromMinutes(10) ? _options.ForgetConsumersIdle : TimeSpan.FromMinutes(10);
                    shard.NextForget = _clock.GetTimestamp() + (long)(every.TotalSeconds * _clock.TimestampFrequency);
                    await ForgetIdleConsumersAsync(redis, shard);
                }
                if (_clock.GetTimestamp() >= shard.NextRetryParked)
                {
                    shard.NextRetryParked = _clock.GetTimestamp() + (long)(_options.RetryParkedEvery.TotalSeconds * _clock.TimestampFrequency);
                    await RetryParkedAsync(redis, shard);
                }
            }
            return new Batch(shard, entries);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
        {
            // Redis lost the stream (a restart without persistence, a failover to a replica that never
            // had it): recreate the group and carry on with whatever the stream holds now.
            _logger.LogWarning("The scan stream of shard {Shard} lost its consumer group; recreating it.", shard.Index);
            shard.GroupReady = false;
            return new Batch(shard, []);
        }
    }

    /// <summary>From 0, not $: entries written before the first archiver ever ran belong in the archive too.</summary>
    private static async Task CreateGroupAsync(IDatabase redis, RedisKey stream)
    {
        try
        {
            await redis.StreamCreateConsumerGroupAsync(stream, Group, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another archiver (or our own earlier life) made it.
        }
    }

    private async Task ForgetIdleConsumersAsync(IDatabase redis, Shard shard)
    {
        foreach (var consumer in await redis.StreamConsumerInfoAsync(shard.Stream, Group))
        {
            // A live archiver polls every few hundred milliseconds; if one is removed anyway, its next read recreates it.
            if (consumer.Name == Consumer || consumer.PendingMessageCount != 0 || consumer.IdleTimeInMilliseconds < _options.ForgetConsumersIdle.TotalMilliseconds) continue;
            await redis.StreamDeleteConsumerAsync(shard.Stream, Group, consumer.Name);
        }
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

    /// <summary>Inserts what the round read from every stream in one go, then acknowledges and trims each; returns how many entries it archived.</summary>
    private async Task<int> ArchiveAsync(IDatabase redis, Batch[] batches, CancellationToken cancellationToken)
    {
        var records = new List<ScanRecord>();
        var read = 0;
        foreach (var (shard, entries) in batches)
        {
            read += entries.Length;
            foreach (var entry in entries)
            {
                // A pending entry deleted meanwhile comes back without fields: nothing left to archive.
                if (entry.IsNull || entry.Values is not { Length: > 0 } fields) continue;
                try
                {
                    records.Add(ScanStreamFields.Parse(fields));
                }
                catch (FormatException)
                {
                    // A bug, not an outage: retrying would block the shard for ever, dropping would lose a
                    // scan. Park it beside the stream for a human and move on.
                    await redis.StreamAddAsync(RedisKeys.DeadScans(shard.Index), fields);
                    _logger.LogError("Scan entry {Id} on shard {Shard} could not be read; moved to the dead-letter stream.", (string?)entry.Id, shard.Index);
                }
            }
        }
        if (read == 0) return 0;

        if (records.Count > 0) await _store.InsertAsync(records, cancellationToken);
        await Task.WhenAll(batches.Where(b => b.Entries.Length > 0).Select(b => AcknowledgeAsync(redis, b)));
        return read;
    }

    private static async Task AcknowledgeAsync(IDatabase redis, Batch batch)
    {
        var (shard, entries) = batch;
        shard.MayNeedTrim = true;
        var ids = new RedisValue[entries.Length];
        for (var i = 0; i < entries.Length; i++) ids[i] = entries[i].Id;
        await redis.StreamAcknowledgeAsync(shard.Stream, Group, ids);
        await TrimAsync(redis, shard, (string)ids[^1]!);
        shard.MayNeedTrim = false;
    }

    /// <summary>
    /// XTRIM MINID to the group's oldest unacknowledged entry (or, when nothing is pending, just past
    /// <paramref name="lastAcknowledged"/>, or past the group's last delivered entry when there is no batch to go by):
    /// everything below it has been delivered and acknowledged, so archived. Chosen over XDEL per entry because it
    /// costs two commands per batch instead of one per entry and leaves no tombstones; it assumes this group is
    /// the stream's only reader.
    /// </summary>
    private static async Task TrimAsync(IDatabase redis, Shard shard, string? lastAcknowledged)
    {
        // The last delivered id is read before the pending list: an entry delivered in between is above it, so kept.
        // Read the other way round, an entry delivered and not yet acknowledged in between could be trimmed unarchived.
        lastAcknowledged ??= await LastDeliveredAsync(redis, shard);
        if (lastAcknowledged is null) return;
        var pending = await redis.StreamPendingAsync(shard.Stream, Group);
        var minId = pending.PendingMessageCount > 0 ? pending.LowestPendingMessageId : (RedisValue)Next(lastAcknowledged);
        await redis.StreamTrimByMinIdAsync(shard.Stream, minId, useApproximateMaxLength: false);
    }

    /// <summary>The group's last delivered id; null when the stream or the group is gone (nothing to trim then).</summary>
    private static async Task<string?> LastDeliveredAsync(IDatabase redis, Shard shard)
    {
        StreamGroupInfo[] groups;
        try
        {
            groups = await redis.StreamGroupInfoAsync(shard.Stream);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("ERR no such key", StringComparison.Ordinal))
        {
            // Redis lost the stream since the group was made: the next read recreates both.
            return null;
        }
        return groups.FirstOrDefault(g => g.Name == Group).LastDeliveredId;
    }

    private static string Next(string id)
    {
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        var sequence = ulong.Parse(id.AsSpan(dash + 1), CultureInfo.InvariantCulture);
        return string.Concat(id.AsSpan(0, dash + 1), (sequence + 1).ToString(CultureInfo.InvariantCulture));
    }
}
