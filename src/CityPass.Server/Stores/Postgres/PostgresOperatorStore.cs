using CityPass.Server.Audit;
using CityPass.Server.Auth;
using CityPass.Server.Operators;
using Npgsql;

namespace CityPass.Server.Stores.Postgres;

/// <summary>
/// Staff accounts in PostgreSQL. A unique index on upper(username) makes usernames unique ignoring case, race-free. Each
/// change commits with its audit entry (<see cref="AuditedTransaction"/>).
/// </summary>
public sealed class PostgresOperatorStore(NpgsqlDataSource dataSource) : IOperatorStore
{
    private const string Columns = "id, username, display_name, password_hash, role, venue_ids, created_at, security_stamp, disabled_at";

    public async Task<Operator?> FindByUsernameAsync(string username, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM operators WHERE upper(username) = upper($1)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = username });
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<Operator?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM operators WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return await ReadOneAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<Operator>> ListAsync(CancellationToken cancellationToken)
    {
        // Upper case compared by code point is .NET's OrdinalIgnoreCase order.
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM operators ORDER BY upper(username) COLLATE \"C\"");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var operators = new List<Operator>();
        while (await reader.ReadAsync(cancellationToken)) operators.Add(Read(reader));
        return operators;
    }

    public Task<Operator?> CreateAsync(Operator op, AuditOf<Operator> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        return AuditedTransaction.RunAsync(dataSource, async (connection, transaction) =>
        {
            // DO NOTHING without a target covers both the id and the username index.
            await using var command = new NpgsqlCommand(
                $"INSERT INTO operators ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING {Columns}", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = op.Id });
            AddFields(command, op);
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(op.CreatedAt) });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = op.SecurityStamp });
            command.Parameters.Add(DisabledAt(op));
            return await ReadOneAsync(command, cancellationToken);
        }, audit, cancellationToken);
    }

    public Task<Operator?> UpdateAsync(Operator op, AuditOf<Operator> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        return AuditedTransaction.RunAsync(dataSource, async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand(
                $"UPDATE operators SET username = $2, display_name = $3, password_hash = $4, role = $5, venue_ids = $6, security_stamp = $7, disabled_at = $8 WHERE id = $1 RETURNING {Columns}",
                connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = op.Id });
            AddFields(command, op);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = op.SecurityStamp });
            command.Parameters.Add(DisabledAt(op));
            try
            {
                return await ReadOneAsync(command, cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                return null; // the new username belongs to someone else; the failed transaction rolls back unaudited
            }
        }, audit, cancellationToken);
    }

    public Task<Operator?> DeleteAsync(Guid id, AuditOf<Operator> audit, CancellationToken cancellationToken) =>
        AuditedTransaction.RunAsync(dataSource, async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand($"DELETE FROM operators WHERE id = $1 RETURNING {Columns}", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            return await ReadOneAsync(command, cancellationToken);
        }, audit, cancellationToken);

    private static void AddFields(NpgsqlCommand command, Operator op)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = op.Username });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = op.DisplayName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = op.PasswordHash });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = op.Role.ToString() });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. op.VenueIds] });
    }

    private static NpgsqlParameter DisabledAt(Operator op) => op.DisabledAt is { } at
        ? new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(at) }
        : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz };

    private static async Task<Operator?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static Operator Read(NpgsqlDataReader r) => new(
        r.GetGuid(0),
        r.GetString(1),
        r.GetString(2),
        r.GetString(3),
        Enum.Parse<OperatorRole>(r.GetString(4)),
        r.GetFieldValue<Guid[]>(5),
        r.GetFieldValue<DateTimeOffset>(6))
    {
        SecurityStamp = r.GetString(7),
        DisabledAt = r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8),
    };
}
