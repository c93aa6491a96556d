using CityPass.Server.Citizens;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// The citizens' reconcile mark in a Redis hash (<c>since</c> and <c>full</c>, Unix milliseconds), so that the replica
/// taking the lease next goes on from where the last one got to. Lost with Redis's data, it only makes the next pass a
/// full one, which a Redis that came back empty needs anyway.
/// </summary>
public sealed class RedisReconcileMarks(Func<IConnectionMultiplexer> redis, string name) : IReconcileMarks
{
    private readonly RedisKey _key = "cp:reconcile:" + name;

    public async Task<ReconcileMark?> ReadAsync(CancellationToken cancellationToken)
    {
        var fields = await redis().GetDatabase().HashGetAsync(_key, ["since", "full"]);
        if (fields[0].IsNull || fields[1].IsNull || !fields[0].TryParse(out long since) || !fields[1].TryParse(out long full)) return null;
        return new ReconcileMark(DateTimeOffset.FromUnixTimeMilliseconds(since), DateTimeOffset.FromUnixTimeMilliseconds(full));
    }

    public async Task WriteAsync(ReconcileMark mark, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mark);
        await redis().GetDatabase().HashSetAsync(_key,
            [new HashEntry("since", mark.Since.ToUnixTimeMilliseconds()), new HashEntry("full", mark.LastFull.ToUnixTimeMilliseconds())]);
    }
}
