using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Estates;
using Npgsql;

namespace CityPass.Server.Stores.Postgres;

/// <summary>
/// Residents and visits in PostgreSQL. Every change runs in one transaction with the estate's tickets it writes
/// (<see cref="PostgresTicketStore.ApplyAsync"/>, which also takes the venue's ticket-push lock, so residents pushes and
/// ticket pushes of one venue apply one after the other), and a residents push with its audit entry (<see cref="AuditedTransaction"/>).
/// </summary>
public sealed class PostgresEstateStore(NpgsqlDataSource dataSource) : IEstateStore
{
    private const string VisitColumns = "id, venue_id, unit, visitor_id, visitor_name, purpose, valid_from, valid_until, status, created_at, decided_at";

    public Task<ResidentPushResult?> PushResidentsAsync(Guid venueId, IReadOnlyList<ResidentChange> changes, DateTimeOffset now, AuditOf<ResidentPushResult> audit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return AuditedTransaction.RunAsync(dataSource, (connection, transaction) => ApplyAsync(connection, transaction, venueId, changes, PgValues.ToStored(now), cancellationToken),
            audit, cancellationToken);
    }

    private static async Task<ResidentPushResult?> ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid venueId,
        IReadOnlyList<ResidentChange> changes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // An empty ticket push first: the venue's lock, and whether the venue exists.
        if (await PostgresTicketStore.ApplyAsync(connection, transaction, venueId, [], now, cancellationToken) is null) return null;
        var listed = new HashSet<(string, CitizenPseudonym)>();
        if (changes.Count > 0)
        {
            await using var read = new NpgsqlCommand("""
                SELECT r.unit, r.citizen_id FROM estate_residents r
                JOIN unnest($2::text[], $3::uuid[]) AS c (unit, citizen_id) ON r.unit = c.unit AND r.citizen_id = c.citizen_id
                WHERE r.venue_id = $1
                """, connection, transaction);
            read.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = venueId });
            read.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. changes.Select(c => c.Unit)] });
            read.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. changes.Select(c => PgValues.ToUuid(c.CitizenId.Value))] });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) listed.Add((reader.GetString(0), new CitizenPseudonym(PgValues.FromUuid(reader.GetGuid(1)))));
        }

        var (results, adds, removes, tickets) = EstateLedger.ApplyResidents(venueId, changes, listed, now);
        if (adds.Count > 0)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO estate_residents (venue_id, unit, citizen_id, added_at) SELECT $1, u, c, $4 FROM unnest($2::text[], $3::uuid[]) AS x (u, c)
                """, connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = venueId });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. adds.Select(r => r.Unit)] });
            insert.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. adds.Select(r => PgValues.ToUuid(r.CitizenId.Value))] });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        if (removes.Count > 0)
        {
            await using var delete = new NpgsqlCommand("""
                DELETE FROM estate_residents r USING unnest($2::text[], $3::uuid[]) AS x (u, c) WHERE r.venue_id = $1 AND r.unit = x.u AND r.citizen_id = x.c
                """, connection, transaction);
            delete.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = venueId });
            delete.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. removes.Select(r => r.Unit)] });
            delete.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. removes.Select(r => PgValues.ToUuid(r.CitizenId.Value))] });
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        if (tickets.Count > 0) await PostgresTicketStore.ApplyAsync(connection, transaction, venueId, tickets, now, cancellationToken);
        return new ResidentPushResult(venueId, results);
    }

    public async Task<IReadOnlyList<Resident>> ListResidentsAsync(Guid venueId, string? unit, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT venue_id, unit, citizen_id, added_at FROM estate_residents WHERE venue_id = $1 AND ($2::text IS NULL OR unit = $2)
            ORDER BY unit COLLATE "C", citizen_id LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = venueId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)unit ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadResidentsAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<Resident>> HomesOfAsync(CitizenPseudonym citizen, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT venue_id, unit, citizen_id, added_at FROM estate_residents WHERE citizen_id = $1 ORDER BY venue_id, unit COLLATE "C"
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = PgValues.ToUuid(citizen.Value) });
        return await ReadResidentsAsync(command, cancellationToken);
    }

    public async Task<VisitRegistration> RegisterVisitAsync(Visit visit, int maxOpen, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(visit);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One registration of a visitor at a time (the count below is then exact); the venue's row shared so it stays.
        await using (var check = new NpgsqlCommand("""
            SELECT pg_advisory_xact_lock($1, $2),
                   EXISTS (SELECT 1 FROM venues WHERE id = $3 FOR KEY SHARE),
                   EXISTS (SELECT 1 FROM estate_residents WHERE venue_id = $3 AND unit = $4),
                   (SELECT count(*) FROM estate_visits WHERE visitor_id = $5 AND status <> 'declined' AND valid_until > $6)
            """, connection, transaction))
        {
            check.Parameters.Add(new NpgsqlParameter<int> { TypedValue = AdvisoryLocks.VisitRegistration });
            check.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)(visit.VisitorId.Value & 0x7fffffff) });
            check.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = visit.VenueId });
            check.Parameters.Add(new NpgsqlParameter<string> { TypedValue = visit.Unit });
            check.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = PgValues.ToUuid(visit.VisitorId.Value) });
            check.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(now) });
            await using var reader = await check.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (!reader.GetBoolean(1)) return VisitRegistration.EstateNotFound;
            if (!reader.GetBoolean(2)) return VisitRegistration.UnitUnknown;
            if (reader.GetInt64(3) >= maxOpen) return VisitRegistration.TooMany;
        }
        await using (var insert = new NpgsqlCommand($"INSERT INTO estate_visits ({VisitColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", connection, transaction))
        {
            AddVisit(insert, visit);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return VisitRegistration.Registered;
    }

    public async Task<Visit?> GetVisitAsync(Guid visitId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {VisitColumns} FROM estate_visits WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = visitId });
        return await ReadVisitsAsync(command, cancellationToken) is [var found] ? found : null;
    }

    public async Task<(VisitDecision Decision, Visit? Visit)> DecideVisitAsync(Guid visitId, CitizenPseudonym host, bool approve, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        now = PgValues.ToStored(now);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The estate's ticket-push lock first, as a residents push takes it before touching a resident: taking it after
        // the host's row would let the two wait for each other.
        await using (var venueOf = new NpgsqlCommand("SELECT venue_id FROM estate_visits WHERE id = $1", connection, transaction))
        {
            venueOf.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = visitId });
            if (await venueOf.ExecuteScalarAsync(cancellationToken) is Guid venueId) await PostgresTicketStore.ApplyAsync(connection, transaction, venueId, [], now, cancellationToken);
        }
        Visit? visit;
        await using (var read = new NpgsqlCommand($"SELECT {VisitColumns} FROM estate_visits WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = visitId });
            visit = await ReadVisitsAsync(read, cancellationToken) is [var found] ? found : null;
        }
        var isResident = false;
        if (visit is not null)
        {
            // FOR KEY SHARE: a removal of the host waits for the decision (it takes the same venue lock anyway).
            await using var resident = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM estate_residents WHERE venue_id = $1 AND unit = $2 AND citizen_id = $3 FOR KEY SHARE)",
                connection, transaction);
            resident.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = visit.VenueId });
            resident.Parameters.Add(new NpgsqlParameter<string> { TypedValue = visit.Unit });
            resident.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = PgValues.ToUuid(host.Value) });
            isResident = (bool)(await resident.ExecuteScalarAsync(cancellationToken))!;
        }
        var (decision, after, ticket) = EstateLedger.Decide(visit, isResident, approve, now);
        if (decision is VisitDecision.Approved or VisitDecision.Declined)
        {
            await using var update = new NpgsqlCommand("UPDATE estate_visits SET status = $2, decided_at = $3 WHERE id = $1", connection, transaction);
            update.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = visitId });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = StatusText(after!.Status) });
            update.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            await update.ExecuteNonQueryAsync(cancellationToken);
            if (ticket is not null) await PostgresTicketStore.ApplyAsync(connection, transaction, after.VenueId, [ticket], now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        return (decision, after);
    }

    public async Task<IReadOnlyList<Visit>> VisitsOfAsync(CitizenPseudonym visitor, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {VisitColumns} FROM estate_visits WHERE visitor_id = $1 ORDER BY created_at DESC, id LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = PgValues.ToUuid(visitor.Value) });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadVisitsAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<Visit>> VisitsToAsync(CitizenPseudonym host, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {string.Join(", ", VisitColumns.Split(", ").Select(c => "v." + c))} FROM estate_visits v
            WHERE EXISTS (SELECT 1 FROM estate_residents r WHERE r.citizen_id = $1 AND r.venue_id = v.venue_id AND r.unit = v.unit)
            ORDER BY v.created_at DESC, v.id LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = PgValues.ToUuid(host.Value) });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadVisitsAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<Visit>> TrailAsync(Guid venueId, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {VisitColumns} FROM estate_visits
            WHERE venue_id = $1 AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)
            ORDER BY created_at DESC, id LIMIT $4
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = venueId });
        command.Parameters.Add(new NpgsqlParameter { Value = from is { } f ? PgValues.ToStored(f) : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = to is { } t ? PgValues.ToStored(t) : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadVisitsAsync(command, cancellationToken);
    }

    public async Task<int> PurgeVisitsAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken)
    {
        // The visit's ticket goes with it: it holds who visited and when as much as the visit does.
        await using var command = dataSource.CreateCommand($"""
            WITH gone AS (DELETE FROM estate_visits WHERE valid_until < $1 RETURNING venue_id, id),
                 tickets_gone AS (DELETE FROM tickets t USING gone
                                  WHERE t.venue_id = gone.venue_id AND t.booking_id = '{EstateTickets.VisitPrefix}' || replace(gone.id::text, '-', ''))
            SELECT count(*) FROM gone
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(endedBefore) });
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static void AddVisit(NpgsqlCommand command, Visit v)
    {
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = v.Id });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = v.VenueId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = v.Unit });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = PgValues.ToUuid(v.VisitorId.Value) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = v.VisitorName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = v.Purpose });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(v.ValidFrom) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(v.ValidUntil) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = StatusText(v.Status) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(v.CreatedAt) });
        command.Parameters.Add(new NpgsqlParameter { Value = v.DecidedAt is { } d ? PgValues.ToStored(d) : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
    }

    private static string StatusText(VisitStatus status) => status switch
    {
        VisitStatus.Pending => "pending",
        VisitStatus.Approved => "approved",
        VisitStatus.Declined => "declined",
    };

    private static VisitStatus StatusOf(string text) => text switch
    {
        "approved" => VisitStatus.Approved,
        "declined" => VisitStatus.Declined,
        _ => VisitStatus.Pending,
    };

    private static async Task<List<Resident>> ReadResidentsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var list = new List<Resident>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new Resident(reader.GetGuid(0), reader.GetString(1), new CitizenPseudonym(PgValues.FromUuid(reader.GetGuid(2))), reader.GetFieldValue<DateTimeOffset>(3)));
        }
        return list;
    }

    private static async Task<List<Visit>> ReadVisitsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var list = new List<Visit>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new Visit(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), new CitizenPseudonym(PgValues.FromUuid(reader.GetGuid(3))), reader.GetString(4),
                reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7), StatusOf(reader.GetString(8)),
                reader.GetFieldValue<DateTimeOffset>(9), reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10)));
        }
        return list;
    }
}
