using CityPass.Server.Audit;
using CityPass.Server.Cases;
using Npgsql;

namespace CityPass.Server.Stores.Postgres;

/// <summary>
/// Cases in PostgreSQL. Changes are single conditional statements (only while open), so two staff acting at once cannot
/// both win; each commits with its audit entry (<see cref="AuditedTransaction"/>).
/// </summary>
public sealed class PostgresCaseStore(NpgsqlDataSource dataSource) : ICaseStore
{
    private const string Columns = "id, type, legal_basis, owner, notes, opened_at, opened_by, closed_at, closed_by, close_reason";

    public async Task<Case> CreateAsync(CaseDraft draft, AuditOf<Case> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        return (await AuditedTransaction.RunAsync(dataSource, (connection, transaction) => InsertAsync(connection, transaction, draft, cancellationToken),
            audit, cancellationToken))!;
    }

    private static async Task<Case?> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CaseDraft draft, CancellationToken cancellationToken)
    {
        var openedAt = PgValues.ToStored(draft.OpenedAt);
        long number;
        // The number first, so the id is formatted in one place (CaseIds) for both stores; a number taken by a failed insert
        // (or a rolled-back one: sequences are outside transactions) is skipped, never reused.
        await using (var next = new NpgsqlCommand("SELECT nextval('case_numbers')", connection, transaction))
        {
            number = (long)(await next.ExecuteScalarAsync(cancellationToken))!;
        }
        var created = new Case(CaseIds.For(openedAt, number), draft.Type, draft.LegalBasis, draft.Owner, draft.Notes, openedAt, draft.OpenedBy);
        await using var insert = new NpgsqlCommand(
            "INSERT INTO cases (id, number, type, legal_basis, owner, notes, opened_at, opened_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = created.Id });
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = number });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = created.Type.ToWireName() });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = created.LegalBasis });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = created.Owner });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = created.Notes });
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = openedAt });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = created.OpenedBy });
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return created;
    }

    public async Task<Case?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM cases WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<Case>> ListAsync(CaseState state, long? beforeNumber, int limit, CancellationToken cancellationToken)
    {
        var condition = state switch
        {
            CaseState.Open => "closed_at IS NULL",
            CaseState.Closed => "closed_at IS NOT NULL",
            CaseState.All => "TRUE",
        };
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM cases WHERE {condition} AND ($2::bigint IS NULL OR number < $2) ORDER BY number DESC LIMIT $1");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Max(0, limit) });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)beforeNumber ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var cases = new List<Case>();
        while (await reader.ReadAsync(cancellationToken)) cases.Add(Read(reader));
        return cases;
    }

    public Task<Case?> UpdateAsync(string id, string legalBasis, string owner, string notes, AuditOf<Case> audit, CancellationToken cancellationToken) =>
        AuditedTransaction.RunAsync(dataSource, async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand(
                $"UPDATE cases SET legal_basis = $2, owner = $3, notes = $4 WHERE id = $1 AND closed_at IS NULL RETURNING {Columns}", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = legalBasis });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = notes });
            return await ReadOneAsync(command, cancellationToken);
        }, audit, cancellationToken);

    public Task<Case?> CloseAsync(string id, DateTimeOffset at, string by, string reason, AuditOf<Case> audit, CancellationToken cancellationToken) =>
        AuditedTransaction.RunAsync(dataSource, async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand(
                $"UPDATE cases SET closed_at = $2, closed_by = $3, close_reason = $4 WHERE id = $1 AND closed_at IS NULL RETURNING {Columns}", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(at) });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = by });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reason });
            return await ReadOneAsync(command, cancellationToken);
        }, audit, cancellationToken);

    private static async Task<Case?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static Case Read(NpgsqlDataReader r) => new(
        r.GetString(0),
        CaseTypes.TryParseWireName(r.GetString(1), out var type) ? type : throw new InvalidOperationException($"Case {r.GetString(0)} has an unknown type '{r.GetString(1)}'."),
        r.GetString(2),
        r.GetString(3),
        r.GetString(4),
        r.GetFieldValue<DateTimeOffset>(5),
        r.GetString(6))
    {
        ClosedAt = r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7),
        ClosedBy = r.IsDBNull(8) ? null : r.GetString(8),
        CloseReason = r.IsDBNull(9) ? null : r.GetString(9),
    };
}
