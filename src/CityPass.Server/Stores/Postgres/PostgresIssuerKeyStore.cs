using CityPass.Server.Audit;
using CityPass.Server.Keys;
using Npgsql;

namespace CityPass.Server.Stores.Postgres;

/// <summary>
/// The managed key set in PostgreSQL. A save is one conditional statement on the version, so two servers changing keys
/// at once cannot both win; with its audit entry it is one transaction (<see cref="AuditedTransaction"/>).
/// </summary>
public sealed class PostgresIssuerKeyStore(NpgsqlDataSource dataSource) : IIssuerKeyStore
{
    public async Task<StoredKeySet?> GetAsync(string issuer, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT version, sealed, seeds, updated_at FROM issuer_key_sets WHERE issuer = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = issuer });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new StoredKeySet(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<string[]>(2), reader.GetFieldValue<DateTimeOffset>(3));
    }

    public async Task<long?> VersionAsync(string issuer, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT version FROM issuer_key_sets WHERE issuer = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = issuer });
        return await command.ExecuteScalarAsync(cancellationToken) is long version ? version : null;
    }

    public async Task<bool> SaveAsync(string issuer, StoredKeySet set, long expectedVersion, AuditOf<StoredKeySet>? audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (audit is not null)
        {
            return await AuditedTransaction.RunAsync(dataSource, async (connection, transaction) =>
            {
                await using var command = Save(issuer, set, expectedVersion);
                command.Connection = connection;
                command.Transaction = transaction;
                return await command.ExecuteNonQueryAsync(cancellationToken) == 1 ? set : null;
            }, audit, cancellationToken) is not null;
        }
        await using var connectionOfItsOwn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var save = Save(issuer, set, expectedVersion);
        save.Connection = connectionOfItsOwn;
        return await save.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static NpgsqlCommand Save(string issuer, StoredKeySet set, long expectedVersion)
    {
        var command = new NpgsqlCommand(expectedVersion == 0
            ? "INSERT INTO issuer_key_sets (issuer, version, sealed, seeds, updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
            : "UPDATE issuer_key_sets SET version = $2, sealed = $3, seeds = $4, updated_at = $5 WHERE issuer = $1 AND version = $6");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = issuer });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = set.Version });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = set.Sealed });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = set.Seeds.ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(set.UpdatedAt) });
        if (expectedVersion != 0) command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion });
        return command;
    }
}
