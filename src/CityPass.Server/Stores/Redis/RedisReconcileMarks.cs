using CityPass.Server.Citizens;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// The citizens' reconcile mark in a Redis hash (<c>since</c> and <c>full</c>, Unix milliseconds; <c>from</c>, the write
/// horizon, absent when written by a version before it), so that the replica
/// taking the lease next goes on from where the last one got to. Lost with Redis's data, it only makes the next pass a
/// full one, which a Redis that came back empty needs anyway.
/// </summary>
public sealed class RedisReconcileMarks(Func<IConnectionMultiplexer> redis, string name) : IReconcileMarks
{
    private readonly RedisKey _key = "cp:reconcile:" + name;

    public async Task<ReconcileMark?> ReadAsync(CancellationToken cancellationToken)
    {
        var fields = await redis().GetDatabase().HashGetAsync(_key, ["since", "full", "from"]);
        if (fields[0].IsNull || fields[1].IsNull || !fields[0].TryParse(out long since) || !fields[1].TryParse(out long full)) return null;
        // A horizon that does not parse skips nothing: the pass then pushes every change within the margin, as before.
        long? writtenFrom = fields[2].TryParse(out long from) ? from : null;
        return new ReconcileMark(DateTimeOffset.FromUnixTimeMilliseconds(since), DateTimeOffset.FromUnixTimeMilliseconds(full), writtenFrom);
    }

    public async Task WriteAsync(ReconcileMark mark, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mark);
        // Written without a horizon, a mark keeps the one before: an older horizon only skips less, since every write
        // below it was seen by a pass that looked back at least as far as this mark's since.
        HashEntry[] fields = [new("since", mark.Since.ToUnixTimeMilliseconds()), new("full", mark.LastFull.ToUnixTimeMilliseconds())];
        await redis().GetDatabase().HashSetAsync(_key, mark.WrittenFrom is { } from ? [.. fields, new HashEntry("from", from)] : fields);
    }
}
