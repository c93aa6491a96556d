using CityPass.Core.Citizens;
using CityPass.Server.Appeals;
using CityPass.Server.Audit;
using Npgsql;

namespace CityPass.Server.Stores.Postgres;

/// <summary>
/// Appeals in PostgreSQL. The rules that must hold under concurrency are the table's: one open appeal per citizen (a
/// partial unique index), one appeal per status version (a unique constraint), and a decision only on an open appeal
/// (a conditional update), so two requests at once cannot both win. Opening and deciding commit with their audit entry
/// (<see cref="AuditedTransaction"/>).
/// </summary>
public sealed class PostgresAppealStore(NpgsqlDataSource dataSource) : IAppealStore
{
    private const string Columns =
        "id, citizen_id, status_version, colour, case_ref, reason, opened_at, state, decided_at, decided_by, decided_by_role, decision_reason, outcome_colour";

    public async Task<AppealOpenResult> OpenAsync(Appeal appeal, AuditOf<Appeal> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(appeal);
        var citizen = PgValues.ToUuid(appeal.CitizenId.Value);
        try
        {
            if (await AuditedTransaction.RunAsync(dataSource, (connection, transaction) => InsertAsync(connection, transaction, appeal, cancellationToken),
                    audit, cancellationToken) is not null)
            {
                return AppealOpenResult.Opened;
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return e.ConstraintName == "appeals_one_open_per_citizen" ? AppealOpenResult.AlreadyOpen : AppealOpenResult.StatusAlreadyAppealed;
        }
        // Refused: say which rule, open first (as the embedded store does).
        await using var which = dataSource.CreateCommand("SELECT coalesce(bool_or(state = 'open'), false) FROM appeals WHERE citizen_id = $1");
        which.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = citizen });
        return (bool)(await which.ExecuteScalarAsync(cancellationToken))! ? AppealOpenResult.AlreadyOpen : AppealOpenResult.StatusAlreadyAppealed;
    }

    /// <summary>The appeal when inserted; null when the statement refused it (the constraints catch two requests at once).</summary>
    private static async Task<Appeal?> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Appeal appeal, CancellationToken cancellationToken)
    {
        var citizen = PgValues.ToUuid(appeal.CitizenId.Value);
        // The common refusals are answered by the statement itself.
        await using var insert = new NpgsqlCommand("""
            INSERT INTO appeals (id, citizen_id, status_version, colour, case_ref, reason, opened_at, state)
            SELECT $1, $2, $3, $4, $5, $6, $7, 'open'
            WHERE NOT EXISTS (SELECT 1 FROM appeals WHERE citizen_id = $2 AND (state = 'open' OR status_version = $3))
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = appeal.Id });
        insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = citizen });
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = appeal.StatusVersion });
        insert.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)appeal.Colour });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)appeal.CaseRef ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = appeal.Reason });
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(appeal.OpenedAt) });
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1 ? appeal with { Decision = null } : null;
    }

    public async Task<Appeal?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM appeals WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return await ReadAllAsync(command, cancellationToken) is [var found, ..] ? found : null;
    }

    public async Task<IReadOnlyList<Appeal>> ListByCitizenAsync(CitizenPseudonym citizenId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM appeals WHERE citizen_id = $1 ORDER BY opened_at DESC, id DESC LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = PgValues.ToUuid(citizenId.Value) });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Max(0, limit) });
        return await ReadAllAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<Appeal>> ListAsync(bool open, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(open
            ? $"SELECT {Columns} FROM appeals WHERE state = 'open' ORDER BY opened_at, id LIMIT $1"
            : $"SELECT {Columns} FROM appeals WHERE state <> 'open' ORDER BY decided_at DESC, id LIMIT $1");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Max(0, limit) });
        return await ReadAllAsync(command, cancellationToken);
    }

    public Task<Appeal?> DecideAsync(Guid id, AppealDecision decision, AuditOf<Appeal> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return AuditedTransaction.RunAsync(dataSource, (connection, transaction) => DecideAsync(connection, transaction, id, decision, cancellationToken),
            audit, cancellationToken);
    }

    private static async Task<Appeal?> DecideAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, AppealDecision decision,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            UPDATE appeals SET state = $2, decided_at = $3, decided_by = $4, decided_by_role = $5, decision_reason = $6, outcome_colour = $7
            WHERE id = $1 AND state = 'open'
            RETURNING {Columns}
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = decision.State.ToWireName() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(decision.At) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = decision.By });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = decision.ByRole });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = decision.Reason });
        command.Parameters.Add(new NpgsqlParameter { Value = decision.Outcome is { } c ? (short)c : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Smallint });
        return await ReadAllAsync(command, cancellationToken) is [var found, ..] ? found : null;
    }

    private static async Task<IReadOnlyList<Appeal>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var appeals = new List<Appeal>();
        while (await reader.ReadAsync(cancellationToken)) appeals.Add(Read(reader));
        return appeals;
    }

    private static Appeal Read(NpgsqlDataReader r)
    {
        var appeal = new Appeal(
            r.GetGuid(0),
            new CitizenPseudonym(PgValues.FromUuid(r.GetGuid(1))),
            checked((uint)r.GetInt64(2)),
            (StatusColour)r.GetInt16(3),
            r.IsDBNull(4) ? null : r.GetString(4),
            r.GetString(5),
            r.GetFieldValue<DateTimeOffset>(6));
        if (r.IsDBNull(8)) return appeal;
        if (!AppealStates.TryParseWireName(r.GetString(7), out var state)) throw new InvalidOperationException($"Appeal {appeal.Id} has an unknown state.");
        return appeal with
        {
            Decision = new AppealDecision(state, r.GetFieldValue<DateTimeOffset>(8), r.GetString(9), r.GetString(10), r.GetString(11),
                r.IsDBNull(12) ? null : (StatusColour)r.GetInt16(12)),
        };
    }
}
