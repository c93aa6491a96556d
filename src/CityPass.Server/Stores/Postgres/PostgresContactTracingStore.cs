using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Server.Tracing;
using Npgsql;

namespace CityPass.Server.Stores.Postgres;

/// <summary>
/// Contact tracing's reads on the day-partitioned scan archive. Each is an index range scan bounded in time, so only
/// the partitions of the days asked for are read: one citizen's scans through scans_by_citizen, and each visit's venue
/// around it through scans_by_venue, all visits in one statement (one round trip). The statements are public so a test
/// can check their plans.
/// </summary>
public sealed class PostgresContactTracingStore(NpgsqlDataSource dataSource) : IContactTracingStore
{
    /// <summary>$1 citizen, $2 from, $3 to, $4 limit.</summary>
    public const string CitizenScansSql = """
        SELECT citizen_id, venue_id, direction, decided_at FROM scans
        WHERE citizen_id = $1 AND decided_at >= $2 AND decided_at < $3 AND allowed AND NOT withdrawn
        ORDER BY decided_at LIMIT $4
        """;

    /// <summary>
    /// $1 venue ids, $2 froms, $3 tos (one window a visit), $4 limit per window. The LATERAL subquery runs once per
    /// window with its bounds as parameters: the executor prunes the partitions outside them on every run, and each
    /// partition left is read by a range of scans_by_venue (venue_id, decided_at), oldest first, stopping at the limit.
    /// </summary>
    public const string VenueScansSql = """
        SELECT w.i, s.citizen_id, s.venue_id, s.direction, s.decided_at
        FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS w(venue_id, from_at, to_at, i)
        CROSS JOIN LATERAL (
            SELECT citizen_id, venue_id, direction, decided_at FROM scans
            WHERE venue_id = w.venue_id AND decided_at >= w.from_at AND decided_at < w.to_at
              AND citizen_id IS NOT NULL AND allowed AND NOT withdrawn
            ORDER BY decided_at LIMIT $4) s
        """;

    public async Task<IReadOnlyList<TracedScan>> CitizenScansAsync(CitizenPseudonym citizen, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(CitizenScansSql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = PgValues.ToUuid(citizen.Value) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var scans = new List<TracedScan>();
        while (await reader.ReadAsync(cancellationToken)) scans.Add(Read(reader, 0));
        return scans;
    }

    public async Task<IReadOnlyList<IReadOnlyList<TracedScan>>> VenueScansAsync(IReadOnlyList<VenueWindow> windows, int limitPerWindow, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var results = windows.Select(_ => new List<TracedScan>()).ToArray();
        if (windows.Count == 0) return results;
        await using var command = dataSource.CreateCommand(VenueScansSql);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = windows.Select(w => w.VenueId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = windows.Select(w => w.From.ToUniversalTime()).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = windows.Select(w => w.To.ToUniversalTime()).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limitPerWindow });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) results[reader.GetInt64(0) - 1].Add(Read(reader, 1));
        return results;
    }

    private static TracedScan Read(NpgsqlDataReader r, int first) => new(
        new CitizenPseudonym(PgValues.FromUuid(r.GetGuid(first))),
        r.GetGuid(first + 1),
        (ScanDirection)r.GetInt16(first + 2),
        r.GetFieldValue<DateTimeOffset>(first + 3));
}
