using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Citizens;
using Npgsql;

namespace CityPass.Server.Stores.Postgres;

/// <summary>Citizens, statuses and status history in PostgreSQL.</summary>
public sealed class PostgresCitizenStore(NpgsqlDataSource dataSource) : ICitizenStore
{
    /// <summary>Drafts per statement in a bulk upsert: one round trip each, small enough to keep row locks short.</summary>
    public const int UpsertBatchSize = 1000;

    /// <summary>Where the upsert's answer has the row as it was before (after the clash, the new id and the row as it is now).</summary>
    private const int OldAt = 2 + ColumnCount;

    private const int ColumnCount = 11;

    private const string Columns = "id, external_id, phone, full_name, status_colour, status_version, status_reason, status_since, credentials, created_at, birth_year";

    // One statement per batch: detect a phone held by someone else, insert or update by external id
    // (skipping rows that would not change), write the initial history row of new citizens, and
    // answer per draft with the row as it was before and as it is now. Every part reads the same
    // snapshot, so the phone check sees the table as it was before this batch.
    private const string UpsertSql = $"""
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::uuid[], $7::integer[])
                WITH ORDINALITY AS t(external_id, phone, full_name, credentials, new_id, birth_year, ord)
        ),
        clash AS (
            SELECT min(i.ord) AS ord FROM input i
            JOIN citizens c ON c.phone = i.phone AND c.external_id IS DISTINCT FROM i.external_id
        ),
        upserted AS (
            INSERT INTO citizens AS c ({Columns})
            SELECT new_id, external_id, phone, full_name, 0, 1, 'initial', $6, credentials, $6, birth_year
            FROM input WHERE (SELECT ord FROM clash) IS NULL ORDER BY ord
            ON CONFLICT (external_id) DO UPDATE
                SET phone = EXCLUDED.phone, full_name = EXCLUDED.full_name, credentials = EXCLUDED.credentials, birth_year = EXCLUDED.birth_year
                WHERE (c.phone, c.full_name, c.credentials, c.birth_year) IS DISTINCT FROM (EXCLUDED.phone, EXCLUDED.full_name, EXCLUDED.credentials, EXCLUDED.birth_year)
            RETURNING c.*
        ),
        history AS (
            INSERT INTO citizen_status_history (citizen_id, version, colour, reason, since)
            SELECT u.id, 1, 0, 'initial', $6 FROM upserted u JOIN input i ON i.new_id = u.id
        )
        SELECT (SELECT ord FROM clash), i.new_id,
               u.id, u.external_id, u.phone, u.full_name, u.status_colour, u.status_version, u.status_reason, u.status_since, u.credentials, u.created_at, u.birth_year,
               o.id, o.external_id, o.phone, o.full_name, o.status_colour, o.status_version, o.status_reason, o.status_since, o.credentials, o.created_at, o.birth_year
        FROM input i
        LEFT JOIN upserted u ON u.external_id = i.external_id
        LEFT JOIN citizens o ON o.external_id = i.external_id
        ORDER BY i.ord
        """;

    public Task<Citizen?> GetAsync(CitizenPseudonym id, CancellationToken cancellationToken) =>
        FindOneAsync("id = $1", PgValues.ToUuid(id.Value), cancellationToken);

    public Task<Citizen?> FindByPhoneAsync(string phone, CancellationToken cancellationToken) =>
        FindOneAsync("phone = $1", phone, cancellationToken);

    public Task<Citizen?> FindByExternalIdAsync(string externalId, CancellationToken cancellationToken) =>
        FindOneAsync("external_id = $1", externalId, cancellationToken);

    public async Task<IReadOnlyList<UpsertResult>> UpsertManyAsync(IReadOnlyList<CitizenDraft> drafts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        // Two drafts of one call claiming one phone for different citizens never reach the database.
        var claimed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in drafts)
        {
            var externalId = d.ExternalId ?? throw new ArgumentException("Every draft needs an external id.", nameof(drafts));
            if (claimed.TryGetValue(d.Phone, out var other) && other != externalId) throw new DuplicatePhoneException(externalId);
            claimed[d.Phone] = externalId;
        }
        if (drafts.Count == 0) return [];

        now = PgValues.ToStored(now);
        var results = new List<UpsertResult>(drafts.Count);
        // Phones that an earlier batch of this call took from their holder: still that holder's as far as this call is concerned.
        var released = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            var start = 0;
            while (start < drafts.Count)
            {
                var end = BatchEnd(drafts, start);
                for (var i = start; i < end; i++)
                {
                    if (released.TryGetValue(drafts[i].Phone, out var holder) && holder != drafts[i].ExternalId) throw new DuplicatePhoneException(drafts[i].ExternalId!);
                }
                await UpsertBatchAsync(connection, transaction, drafts, start, end, now, results, released, cancellationToken);
                start = end;
            }
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "citizens_phone_key")
        {
            // A concurrent call took the phone between our check and our write.
            var draft = drafts.FirstOrDefault(d => e.Detail?.Contains($"=({d.Phone})", StringComparison.Ordinal) == true) ?? drafts[0];
            throw new DuplicatePhoneException(draft.ExternalId!);
        }
        return results;
    }

    /// <summary>A batch ends at the size limit or before an external id it already holds: one statement may touch a row only once.</summary>
    private static int BatchEnd(IReadOnlyList<CitizenDraft> drafts, int start)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var end = start;
        while (end < drafts.Count && end - start < UpsertBatchSize && seen.Add(drafts[end].ExternalId!)) end++;
        return end;
    }

    private static async Task UpsertBatchAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<CitizenDraft> drafts, int start, int end, DateTimeOffset now,
        List<UpsertResult> results, Dictionary<string, string> released, CancellationToken cancellationToken)
    {
        var count = end - start;
        var externalIds = new string[count];
        var phones = new string[count];
        var names = new string[count];
        var credentials = new int[count];
        var newIds = new Guid[count];
        var birthYears = new int?[count];
        for (var i = 0; i < count; i++)
        {
            var d = drafts[start + i];
            externalIds[i] = d.ExternalId!;
            phones[i] = d.Phone;
            names[i] = d.FullName;
            credentials[i] = (int)d.Credentials;
            birthYears[i] = d.BirthYear;
            newIds[i] = PgValues.ToUuid(CitizenPseudonym.NewRandom().Value);
        }

        await using var command = new NpgsqlCommand(UpsertSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = externalIds });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = phones });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = names });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = credentials });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = newIds });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        command.Parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = birthYears });

        var first = results.Count;
        var missing = new List<int>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (!reader.IsDBNull(0)) throw new DuplicatePhoneException(drafts[start + (int)reader.GetInt64(0) - 1].ExternalId!);
                var newId = reader.GetGuid(1);
                if (!reader.IsDBNull(2))
                {
                    var current = ReadCitizen(reader, 2);
                    var created = reader.GetGuid(2) == newId;
                    if (!created && !reader.IsDBNull(OldAt) && reader.GetString(OldAt + 2) != current.Phone) released.TryAdd(reader.GetString(OldAt + 2), current.ExternalId!);
                    results.Add(new UpsertResult(current, created ? UpsertOutcome.Created : UpsertOutcome.Updated));
                }
                else if (!reader.IsDBNull(OldAt))
                {
                    results.Add(new UpsertResult(ReadCitizen(reader, OldAt), UpsertOutcome.Unchanged));
                }
                else
                {
                    // Another call created it after this statement's snapshot and it needed no change: read it as it is now.
                    missing.Add(results.Count);
                    results.Add(null!);
                }
            }
        }
        foreach (var index in missing)
        {
            var externalId = drafts[start + index - first].ExternalId!;
            await using var read = new NpgsqlCommand($"SELECT {Columns} FROM citizens WHERE external_id = $1", connection, transaction);
            read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = externalId });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) throw new InvalidOperationException($"Citizen '{externalId}' vanished during an upsert.");
            results[index] = new UpsertResult(ReadCitizen(reader, 0), UpsertOutcome.Unchanged);
        }
    }

    public async Task<StatusChangeResult?> ChangeStatusAsync(StatusChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var id = PgValues.ToUuid(change.CitizenId.Value);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        Citizen citizen;
        // The row is locked only if it holds the version the writer saw: a writer with an old copy gets nothing and reads again.
        await using (var select = new NpgsqlCommand($"SELECT {Columns} FROM citizens WHERE id = $1 AND status_version = $2 FOR UPDATE", connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            select.Parameters.Add(new NpgsqlParameter<long> { TypedValue = change.ExpectedVersion });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return null;
            citizen = ReadCitizen(reader, 0);
        }

        var previous = citizen.Status;
        var next = previous.ChangeTo(change.Colour, change.Reason, PgValues.ToStored(change.At));
        await using (var write = new NpgsqlCommand("""
            WITH history AS (
                INSERT INTO citizen_status_history (citizen_id, version, colour, reason, since, case_ref, changed_by_role) VALUES ($1, $3, $2, $4, $5, $6, $7)
            )
            UPDATE citizens SET status_colour = $2, status_version = $3, status_reason = $4, status_since = $5 WHERE id = $1
            """, connection, transaction))
        {
            write.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            write.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)next.Colour });
            write.Parameters.Add(new NpgsqlParameter<long> { TypedValue = next.Version });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = next.Reason });
            write.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = next.Since });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.CaseRef });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.ActorRole });
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        // Last, so the chain's lock is held only for the final two round trips of the transaction.
        var entry = await PostgresAuditLog.AppendAsync(connection, transaction, StatusAudit.Draft(change, previous, next), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new StatusChangeResult(citizen with { Status = next }, previous, entry);
    }

    public async Task<IReadOnlyList<StatusHistoryEntry>> GetStatusHistoryAsync(CitizenPseudonym id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT colour, version, reason, since, case_ref, changed_by_role FROM citizen_status_history WHERE citizen_id = $1 ORDER BY version");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = PgValues.ToUuid(id.Value) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var history = new List<StatusHistoryEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            history.Add(new StatusHistoryEntry((StatusColour)reader.GetInt16(0), checked((uint)reader.GetInt64(1)), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
        return history;
    }

    public async Task<IReadOnlyList<Citizen>> ListAsync(CitizenPseudonym? afterId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM citizens {(afterId is null ? "" : "WHERE id > $2")} ORDER BY id LIMIT $1");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Max(0, limit) });
        if (afterId is { } after) command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = PgValues.ToUuid(after.Value) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var citizens = new List<Citizen>();
        while (await reader.ReadAsync(cancellationToken)) citizens.Add(ReadCitizen(reader, 0));
        return citizens;
    }

    public async Task<IReadOnlyList<CitizenChange>> ListChangedAsync(DateTimeOffset since, long? writtenFrom, CitizenChange? after, int limit, CancellationToken cancellationToken)
    {
        // A row comparison on (changed_at, id), which the index citizens_by_change serves as one range; the writer's
        // transaction is a filter on that range. A row from before migration 0023 has none, and is not skipped.
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns}, changed_at FROM citizens
            WHERE {(after is null ? "changed_at >= $2" : "(changed_at, id) > ($2, $4)")} AND ($3::bigint IS NULL OR changed_xact IS NULL OR changed_xact >= $3::text::xid8)
            ORDER BY changed_at, id LIMIT $1
            """);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Max(0, limit) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = after?.ChangedAt ?? since });
        command.Parameters.Add(new NpgsqlParameter<long?> { TypedValue = writtenFrom });
        if (after is not null) command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = PgValues.ToUuid(after.Citizen.Id.Value) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var changes = new List<CitizenChange>();
        while (await reader.ReadAsync(cancellationToken)) changes.Add(new CitizenChange(ReadCitizen(reader, 0), reader.GetFieldValue<DateTimeOffset>(ColumnCount)));
        return changes;
    }

    /// <summary>
    /// The oldest transaction still running (writes are numbered by their transaction, changed_xact): every one below it
    /// has committed or aborted, so a read after this one sees what they wrote.
    /// </summary>
    public async Task<long> ReadWriteHorizonAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM citizens");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// The statement of <see cref="ColourMixAsync"/> ($1 since, $2 the colours): the holders in one pass over citizens; the
    /// changes through citizen_status_history_by_since, each one's previous status found by key (a lookup per change, never
    /// a pass over the whole history). Measured in loadtests/dashboard: DashboardService serves it from a cache.
    /// </summary>
    public const string ColourMixSql = """
        WITH holders AS MATERIALIZED (SELECT status_colour AS colour, count(*) AS n FROM citizens GROUP BY 1),
             changes AS MATERIALIZED (
                 SELECT h.colour AS into_colour,
                        (SELECT p.colour FROM citizen_status_history p WHERE p.citizen_id = h.citizen_id AND p.version = h.version - 1) AS from_colour
                 FROM citizen_status_history h WHERE h.since >= $1)
        SELECT c.colour,
               coalesce((SELECT n FROM holders WHERE holders.colour = c.colour), 0),
               (SELECT count(*) FROM changes WHERE into_colour = c.colour),
               (SELECT count(*) FROM changes WHERE from_colour = c.colour)
        FROM unnest($2::smallint[]) AS c(colour)
        """;

    public async Task<IReadOnlyList<ColourCount>> ColourMixAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var colours = Enum.GetValues<StatusColour>();
        await using var command = dataSource.CreateCommand(ColourMixSql);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = since.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. colours.Select(c => (short)c)] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var mix = new List<ColourCount>();
        while (await reader.ReadAsync(cancellationToken))
        {
            mix.Add(new ColourCount((StatusColour)reader.GetInt16(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        }
        return [.. mix.OrderBy(m => m.Colour)];
    }

    public async Task<bool> AddBookingAsync(Booking booking, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(booking);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO bookings (venue_id, citizen_id, created_at)
            SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM venues WHERE id = $1)
            ON CONFLICT DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = booking.VenueId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = PgValues.ToUuid(booking.CitizenId.Value) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(booking.CreatedAt) });
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return false;
        }
    }

    public async Task<bool> RemoveBookingAsync(Guid venueId, CitizenPseudonym citizenId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM bookings WHERE venue_id = $1 AND citizen_id = $2");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = venueId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = PgValues.ToUuid(citizenId.Value) });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<Booking>> ListBookingsAsync(CitizenPseudonym citizenId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT venue_id, citizen_id, created_at FROM bookings WHERE citizen_id = $1 ORDER BY created_at, venue_id");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = PgValues.ToUuid(citizenId.Value) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var bookings = new List<Booking>();
        while (await reader.ReadAsync(cancellationToken))
        {
            bookings.Add(new Booking(reader.GetGuid(0), new CitizenPseudonym(PgValues.FromUuid(reader.GetGuid(1))), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        return bookings;
    }

    private async Task<Citizen?> FindOneAsync<T>(string condition, T value, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM citizens WHERE {condition}");
        command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadCitizen(reader, 0) : null;
    }

    private static Citizen ReadCitizen(NpgsqlDataReader r, int at) => new(
        new CitizenPseudonym(PgValues.FromUuid(r.GetGuid(at))),
        r.IsDBNull(at + 1) ? null : r.GetString(at + 1),
        r.GetString(at + 2),
        r.GetString(at + 3),
        new CitizenStatus((StatusColour)r.GetInt16(at + 4), checked((uint)r.GetInt64(at + 5)), r.GetString(at + 6), r.GetFieldValue<DateTimeOffset>(at + 7)),
        (Credentials)(ushort)r.GetInt32(at + 8),
        r.GetFieldValue<DateTimeOffset>(at + 9),
        r.IsDBNull(at + 10) ? null : r.GetInt32(at + 10));
}
