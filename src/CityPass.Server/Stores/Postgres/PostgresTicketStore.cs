using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Ticketing;
using Npgsql;
using NpgsqlTypes;

namespace CityPass.Server.Stores.Postgres;

/// <summary>
/// Tickets in PostgreSQL. A push runs in one transaction with its audit entry (<see cref="AuditedTransaction"/>) under a
/// per-venue advisory lock, so two pushes of one venue apply one after the other and each decides from what the other
/// wrote: read the push's booking ids, apply <see cref="TicketLedger"/> (the embedded store's rule too), write the rows in
/// one statement. Three round trips whatever the push's size, and the audit chain's lock only at the end.
/// </summary>
public sealed class PostgresTicketStore(NpgsqlDataSource dataSource) : ITicketStore
{
    private const string Columns = "venue_id, booking_id, citizen_id, seat, valid_from, valid_until, cancelled, created_at, updated_at";

    public Task<TicketPushResult?> PushAsync(Guid venueId, IReadOnlyList<TicketChange> changes, DateTimeOffset now, AuditOf<TicketPushResult> audit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return AuditedTransaction.RunAsync(dataSource, (connection, transaction) => ApplyAsync(connection, transaction, venueId, changes, PgValues.ToStored(now), cancellationToken),
            audit, cancellationToken);
    }

    /// <summary>A push inside the caller's transaction (the estates' store writes its tickets with its own rows); null when the venue does not exist.</summary>
    internal static async Task<TicketPushResult?> ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid venueId,
        IReadOnlyList<TicketChange> changes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Locks the venue's row too: a venue deleted meanwhile waits for the push, or the push finds no venue.
        await using (var lockVenue = new NpgsqlCommand("""
            SELECT pg_advisory_xact_lock($1, $2), EXISTS (SELECT 1 FROM venues WHERE id = $3 FOR KEY SHARE)
            """, connection, transaction))
        {
            lockVenue.Parameters.Add(new NpgsqlParameter<int> { TypedValue = AdvisoryLocks.TicketPush });
            lockVenue.Parameters.Add(new NpgsqlParameter<int> { TypedValue = AdvisoryLocks.GateKey(venueId) });
            lockVenue.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = venueId });
            await using var reader = await lockVenue.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (!reader.GetBoolean(1)) return null;
        }

        var stored = new Dictionary<string, Ticket>(StringComparer.Ordinal);
        if (changes.Count > 0)
        {
            await using var read = new NpgsqlCommand($"SELECT {Columns} FROM tickets WHERE venue_id = $1 AND booking_id = ANY($2)", connection, transaction);
            read.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = venueId });
            read.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. changes.Select(c => c.BookingId)] });
            foreach (var t in await ReadAllAsync(read, cancellationToken)) stored[t.BookingId] = t;
        }

        var (results, writes) = TicketLedger.Apply(venueId, changes, stored, now);
        if (writes.Count > 0)
        {
            await using var write = new NpgsqlCommand($"""
                INSERT INTO tickets ({Columns})
                SELECT $1, * FROM unnest($2::text[], $3::uuid[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::boolean[], $8::timestamptz[], $9::timestamptz[])
                ON CONFLICT (venue_id, booking_id) DO UPDATE SET citizen_id = EXCLUDED.citizen_id, seat = EXCLUDED.seat, valid_from = EXCLUDED.valid_from,
                    valid_until = EXCLUDED.valid_until, cancelled = EXCLUDED.cancelled, updated_at = EXCLUDED.updated_at
                """, connection, transaction);
            write.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = venueId });
            write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. writes.Select(t => t.BookingId)] });
            write.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. writes.Select(t => PgValues.ToUuid(t.CitizenId.Value))] });
            write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. writes.Select(t => t.Seat)] });
            write.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. writes.Select(t => PgValues.ToStored(t.ValidFrom))] });
            write.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. writes.Select(t => PgValues.ToStored(t.ValidUntil))] });
            write.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = [.. writes.Select(t => t.Cancelled)] });
            write.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. writes.Select(t => PgValues.ToStored(t.CreatedAt))] });
            write.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. writes.Select(t => PgValues.ToStored(t.UpdatedAt))] });
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        return new TicketPushResult(venueId, results);
    }

    public async Task<Ticket?> GetAsync(Guid venueId, string bookingId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM tickets WHERE venue_id = $1 AND booking_id = $2");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = venueId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = bookingId });
        return await ReadAllAsync(command, cancellationToken) is [var found, ..] ? found : null;
    }

    public async Task<TicketSnapshot> CurrentAsync(Guid venueId, IReadOnlyCollection<CitizenPseudonym>? citizens, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // The number first, then the read (its own statement, so its own snapshot, taken after the number): a read that
        // got a higher number saw at least every commit this one saw.
        await using var next = new NpgsqlCommand("SELECT nextval('ticket_reads')", connection);
        var revision = (long)(await next.ExecuteScalarAsync(cancellationToken))!;
        await using var read = new NpgsqlCommand($"""
            SELECT {Columns} FROM tickets
            WHERE venue_id = $1 AND NOT cancelled AND valid_until > $2 AND ($3::uuid[] IS NULL OR citizen_id = ANY($3))
            ORDER BY valid_until, booking_id
            """, connection);
        read.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = venueId });
        read.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(now) });
        read.Parameters.Add(new NpgsqlParameter { Value = citizens is null ? DBNull.Value : citizens.Select(c => PgValues.ToUuid(c.Value)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        return new TicketSnapshot(revision, await ReadAllAsync(read, cancellationToken));
    }

    private static async Task<List<Ticket>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var list = new List<Ticket>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new Ticket(reader.GetGuid(0), reader.GetString(1), new CitizenPseudonym(PgValues.FromUuid(reader.GetGuid(2))), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetBoolean(6),
                reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<DateTimeOffset>(8)));
        }
        return list;
    }
}
