using CityPass.Core.Venues;
using CityPass.Server.Scans;
using Npgsql;

namespace CityPass.Server.Stores.Postgres;

/// <summary>
/// Reads of the roll-ups <see cref="PostgresScanStore"/>'s inserts keep: scan_minutes, plus the deltas of the last
/// seconds that <see cref="PostgresScanMinuteFolder"/> has not folded into it yet, so a read counts every archived scan
/// however late the fold. A city-wide range of scan_minutes is a range of its key (it leads with the minute); one venue's
/// goes through scan_minutes_by_venue; the deltas are at most a fold interval's (10 s), read whole: some 30,000 rows at
/// 3,825 scans/s over 1,020 venues, where each statement of 400 scans appends about 315.
/// </summary>
public sealed class PostgresScanMinuteStore(NpgsqlDataSource dataSource) : IScanMinuteStore
{
    private static readonly Dictionary<string, DecisionCode> CodesByName = Enum.GetValues<DecisionCode>().ToDictionary(c => c.ToCode(), StringComparer.Ordinal);

    /// <summary>The statement of <see cref="MinutesAsync"/> ($1 from, $2 to, $3 venue or null); public for the load test's plans.</summary>
    public const string MinutesSql = """
        SELECT minute, code, direction, sum(scans)::bigint
        FROM (SELECT minute, venue_id, code, direction, scans FROM scan_minutes
              UNION ALL SELECT minute, venue_id, code, direction, scans FROM scan_minute_deltas) AS m
        WHERE minute >= $1 AND minute < $2 AND ($3::uuid IS NULL OR venue_id = $3)
        GROUP BY minute, code, direction HAVING sum(scans) <> 0 ORDER BY minute, code, direction
        """;

    /// <summary>The statement of <see cref="BusiestVenuesAsync"/> ($1 from, $2 to, $3 limit).</summary>
    public const string BusiestSql = """
        SELECT venue_id, sum(scans) FILTER (WHERE code = 'allowed')::bigint, sum(scans) FILTER (WHERE code <> 'allowed')::bigint
        FROM (SELECT minute, venue_id, code, scans FROM scan_minutes
              UNION ALL SELECT minute, venue_id, code, scans FROM scan_minute_deltas) AS m
        WHERE minute >= $1 AND minute < $2
        GROUP BY venue_id HAVING sum(scans) > 0 ORDER BY sum(scans) DESC, venue_id LIMIT $3
        """;

    public async Task<IReadOnlyList<ScanMinute>> MinutesAsync(DateTimeOffset from, DateTimeOffset to, Guid? venueId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(MinutesSql);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter { Value = venueId is { } v ? v : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var minutes = new List<ScanMinute>();
        while (await reader.ReadAsync(cancellationToken))
        {
            // A code this version does not know (a newer replica's) is left out rather than failing the dashboard.
            if (!CodesByName.TryGetValue(reader.GetString(1), out var code)) continue;
            minutes.Add(new ScanMinute(reader.GetFieldValue<DateTimeOffset>(0), code, (ScanDirection)reader.GetInt16(2), reader.GetInt64(3)));
        }
        return minutes;
    }

    public async Task<IReadOnlyList<VenueScanTotal>> BusiestVenuesAsync(DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(BusiestSql);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Clamp(limit, 1, 1000) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var venues = new List<VenueScanTotal>();
        while (await reader.ReadAsync(cancellationToken))
        {
            venues.Add(new VenueScanTotal(reader.GetGuid(0), reader.IsDBNull(1) ? 0 : reader.GetInt64(1), reader.IsDBNull(2) ? 0 : reader.GetInt64(2)));
        }
        return venues;
    }
}
