using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Authority;
using Npgsql;
using NpgsqlTypes;

namespace CityPass.Server.Stores.Postgres;

/// <summary>
/// Status drafts in PostgreSQL. Deciding and leasing are single conditional statements, so two staff deciding at once,
/// or two servers taking the same run, cannot both win. Drafting and deciding commit with their audit entry (<see cref="AuditedTransaction"/>).
/// </summary>
public sealed class PostgresStatusDraftStore(NpgsqlDataSource dataSource) : IStatusDraftStore
{
    private const string Columns = """
        id, colour, reason, case_ref, citizen_ids, drafted_by_id, drafted_by, drafted_at, expires_at, held_because,
        state, decided_by, decided_at, decision_reason, finished_at,
        (SELECT count(*) FROM status_draft_results r WHERE r.draft_id = status_drafts.id)
        """;

    public async Task<StatusDraft> CreateAsync(NewStatusDraft draft, AuditOf<StatusDraft> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var draftedAt = PgValues.ToStored(draft.DraftedAt);
        var created = new StatusDraft(Guid.CreateVersion7(draftedAt), draft.Colour, draft.Reason, draft.CaseRef, draft.CitizenIds.ToArray(),
            draft.DraftedById, draft.DraftedBy, draftedAt, PgValues.ToStored(draft.ExpiresAt), draft.HeldBecause);
        return (await AuditedTransaction.RunAsync(dataSource, (connection, transaction) => InsertAsync(connection, transaction, created, cancellationToken),
            audit, cancellationToken))!;
    }

    private static async Task<StatusDraft?> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, StatusDraft created, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand("""
            INSERT INTO status_drafts (id, colour, reason, case_ref, citizen_ids, drafted_by_id, drafted_by, drafted_at, expires_at, held_because)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = created.Id });
        insert.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)created.Colour });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = created.Reason });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = created.CaseRef });
        insert.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = created.CitizenIds.Select(c => PgValues.ToUuid(c.Value)).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = created.DraftedById });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = created.DraftedBy });
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = created.DraftedAt });
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = created.ExpiresAt });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)created.HeldBecause ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return created;
    }

    public async Task<StatusDraft?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM status_drafts WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<StatusDraft>> ListAsync(StatusDraftState? state, DateTimeOffset? before, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM status_drafts
            WHERE ($2::text IS NULL OR state = $2) AND ($3::timestamptz IS NULL OR drafted_at < $3)
            ORDER BY drafted_at DESC, id DESC LIMIT $1
            """);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Max(0, limit) });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)state?.ToWireName() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = before is { } b ? PgValues.ToStored(b) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var drafts = new List<StatusDraft>();
        while (await reader.ReadAsync(cancellationToken)) drafts.Add(Read(reader));
        return drafts;
    }

    public async Task<int> CountAwaitingAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM status_drafts WHERE state = 'pending' AND expires_at > $1");
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(now) });
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public Task<StatusDraft?> DecideAsync(Guid id, bool approve, Guid byId, string by, DateTimeOffset at, string? reason, AuditOf<StatusDraft> audit,
        CancellationToken cancellationToken) =>
        AuditedTransaction.RunAsync(dataSource, (connection, transaction) => DecideAsync(connection, transaction, id, approve, byId, by, at, reason, cancellationToken),
            audit, cancellationToken);

    private static async Task<StatusDraft?> DecideAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, bool approve, Guid byId, string by,
        DateTimeOffset at, string? reason, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            UPDATE status_drafts SET state = $2, decided_by = $4, decided_at = $5, decision_reason = $6
            WHERE id = $1 AND state = 'pending' AND expires_at > $5 AND (NOT $7 OR drafted_by_id <> $3)
            RETURNING {Columns}
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = (approve ? StatusDraftState.Approved : StatusDraftState.Rejected).ToWireName() });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = byId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = by });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(at) });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = approve });
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<bool> LeaseAsync(Guid id, string runner, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE status_drafts SET runner = $2, lease_until = $4
            WHERE id = $1 AND state = 'approved' AND finished_at IS NULL AND (runner IS NULL OR runner = $2 OR lease_until <= $3)
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = runner });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(now) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(leaseUntil) });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<Guid>> ListUnfinishedAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id FROM status_drafts WHERE state = 'approved' AND finished_at IS NULL");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<Guid>();
        while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetGuid(0));
        return ids;
    }

    public async Task AddResultsAsync(Guid id, IReadOnlyList<StatusDraftResult> results, CancellationToken cancellationToken)
    {
        if (results.Count == 0) return;
        await using var command = dataSource.CreateCommand("""
            INSERT INTO status_draft_results (draft_id, citizen_id, result, version)
            SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::bigint[])
            ON CONFLICT (draft_id, citizen_id) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = results.Select(r => PgValues.ToUuid(r.CitizenId.Value)).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = results.Select(r => r.Result).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long?[]> { TypedValue = results.Select(r => (long?)r.Version).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<StatusDraftResult>> ListResultsAsync(Guid id, CitizenPseudonym? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT citizen_id, result, version FROM status_draft_results
            WHERE draft_id = $1 AND ($2::uuid IS NULL OR citizen_id > $2) ORDER BY citizen_id LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter { Value = after is { } a ? PgValues.ToUuid(a.Value) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Max(0, limit) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var results = new List<StatusDraftResult>();
        while (await reader.ReadAsync(cancellationToken))
        {
            results.Add(new StatusDraftResult(new CitizenPseudonym(PgValues.FromUuid(reader.GetGuid(0))), reader.GetString(1),
                reader.IsDBNull(2) ? null : checked((uint)reader.GetInt64(2))));
        }
        return results;
    }

    public async Task<IReadOnlyDictionary<string, int>> CountResultsAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT result, count(*) FROM status_draft_results WHERE draft_id = $1 GROUP BY result");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken)) counts[reader.GetString(0)] = (int)reader.GetInt64(1);
        return counts;
    }

    public async Task FinishAsync(Guid id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE status_drafts SET finished_at = $2, runner = NULL, lease_until = NULL WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(at) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<StatusDraft?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static StatusDraft Read(NpgsqlDataReader r) => new(
        r.GetGuid(0),
        (StatusColour)r.GetInt16(1),
        r.GetString(2),
        r.GetString(3),
        r.GetFieldValue<Guid[]>(4).Select(u => new CitizenPseudonym(PgValues.FromUuid(u))).ToArray(),
        r.GetGuid(5),
        r.GetString(6),
        r.GetFieldValue<DateTimeOffset>(7),
        r.GetFieldValue<DateTimeOffset>(8),
        r.IsDBNull(9) ? null : r.GetString(9))
    {
        State = r.GetString(10) switch
        {
            "approved" => StatusDraftState.Approved,
            "rejected" => StatusDraftState.Rejected,
            _ => StatusDraftState.Pending,
        },
        DecidedBy = r.IsDBNull(11) ? null : r.GetString(11),
        DecidedAt = r.IsDBNull(12) ? null : r.GetFieldValue<DateTimeOffset>(12),
        DecisionReason = r.IsDBNull(13) ? null : r.GetString(13),
        FinishedAt = r.IsDBNull(14) ? null : r.GetFieldValue<DateTimeOffset>(14),
        Done = (int)r.GetInt64(15),
    };
}
