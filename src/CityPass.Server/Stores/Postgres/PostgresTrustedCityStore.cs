using CityPass.Server.Audit;
using CityPass.Server.Federation;
using Npgsql;
using NpgsqlTypes;

namespace CityPass.Server.Stores.Postgres;

/// <summary>
/// Trusted cities in PostgreSQL, shared by every server. A document replaces the held one in a single conditional
/// UPDATE, so two servers refreshing at once cannot put an older document back. Each audited change commits with its
/// entry (<see cref="AuditedTransaction"/>).
/// </summary>
public sealed class PostgresTrustedCityStore(NpgsqlDataSource dataSource) : ITrustedCityStore
{
    private const string Columns =
        "issuer, name, federation_suite, federation_public_key, document_url, added_at, added_by, " +
        "document, document_issued_at, document_expires_at, last_checked_at, last_error";

    public async Task<IReadOnlyList<TrustedCity>> ListAsync(CancellationToken cancellationToken)
    {
        // "C" is code point order, the embedded store's ordinal order, whatever the database's collation.
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM trusted_cities ORDER BY issuer COLLATE \"C\"");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var cities = new List<TrustedCity>();
        while (await reader.ReadAsync(cancellationToken)) cities.Add(Read(reader));
        return cities;
    }

    public async Task<TrustedCity?> GetAsync(string issuer, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM trusted_cities WHERE issuer = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = issuer });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<bool> AddAsync(TrustedCity city, AuditOf<TrustedCity> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(city);
        return await ChangeAsync($"INSERT INTO trusted_cities ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING", command =>
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = city.Issuer });
            AddSettings(command, city);
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(city.AddedAt) });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = city.AddedBy });
            AddDocument(command, city);
            command.Parameters.Add(Timestamp(city.LastCheckedAt));
            command.Parameters.Add(Text(city.LastError));
        }, audit, cancellationToken) is not null;
    }

    public async Task<bool> UpdateAsync(TrustedCity city, AuditOf<TrustedCity> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(city);
        // added_at and added_by say who trusted the city; last_checked_at and last_error are the refresher's notes.
        return await ChangeAsync("""
            UPDATE trusted_cities
            SET name = $2, federation_suite = $3, federation_public_key = $4, document_url = $5,
                document = $6, document_issued_at = $7, document_expires_at = $8
            WHERE issuer = $1
            """, command =>
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = city.Issuer });
            AddSettings(command, city);
            AddDocument(command, city);
        }, audit, cancellationToken) is not null;
    }

    public async Task<bool> RemoveAsync(string issuer, AuditOf<TrustedCity> audit, CancellationToken cancellationToken) =>
        await ChangeAsync("DELETE FROM trusted_cities WHERE issuer = $1",
            command => command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = issuer }), audit, cancellationToken) is not null;

    public async Task<bool> AcceptDocumentAsync(string issuer, string document, DateTimeOffset issuedAt, DateTimeOffset expiresAt, DateTimeOffset checkedAt,
        AuditOf<TrustedCity> audit, CancellationToken cancellationToken)
    {
        // The comparison and the write are one statement: a concurrent refresh that stored a newer document first
        // holds the row lock (until it commits with its audit entry), and this UPDATE re-checks its WHERE against that
        // newer row and changes nothing.
        return await ChangeAsync("""
            UPDATE trusted_cities
            SET document = $2, document_issued_at = $3, document_expires_at = $4, last_checked_at = $5, last_error = NULL
            WHERE issuer = $1 AND (document_issued_at IS NULL OR document_issued_at < $3)
            """, command =>
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = issuer });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = document });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(issuedAt) });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(expiresAt) });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(checkedAt) });
        }, audit, cancellationToken) is not null;
    }

    public async Task RecordCheckAsync(string issuer, DateTimeOffset checkedAt, string? error, AuditOf<TrustedCity>? audit, CancellationToken cancellationToken)
    {
        const string Check = "UPDATE trusted_cities SET last_checked_at = $2, last_error = $3 WHERE issuer = $1";
        void Bind(NpgsqlCommand command)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = issuer });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(checkedAt) });
            command.Parameters.Add(Text(error));
        }
        if (audit is not null)
        {
            await ChangeAsync(Check, Bind, audit, cancellationToken);
            return;
        }
        await using var command = dataSource.CreateCommand(Check);
        Bind(command);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="statement"/> on one row with <paramref name="audit"/>'s entry of that row as written (as it
    /// was, for a delete) in one transaction (<see cref="AuditedTransaction"/>). Null when it matched no row.
    /// </summary>
    private Task<TrustedCity?> ChangeAsync(string statement, Action<NpgsqlCommand> bind, AuditOf<TrustedCity> audit, CancellationToken cancellationToken) =>
        AuditedTransaction.RunAsync(dataSource, async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand($"{statement} RETURNING {Columns}", connection, transaction);
            bind(command);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
        }, audit, cancellationToken);

    private static void AddSettings(NpgsqlCommand command, TrustedCity city)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = city.Name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = city.FederationSuite });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = city.FederationPublicKey });
        command.Parameters.Add(Text(city.DocumentUrl));
    }

    private static void AddDocument(NpgsqlCommand command, TrustedCity city)
    {
        command.Parameters.Add(Text(city.Document));
        command.Parameters.Add(Timestamp(city.DocumentIssuedAt));
        command.Parameters.Add(Timestamp(city.DocumentExpiresAt));
    }

    private static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter Timestamp(DateTimeOffset? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = value is { } at ? PgValues.ToStored(at) : DBNull.Value };

    private static TrustedCity Read(NpgsqlDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.GetString(3),
        r.IsDBNull(4) ? null : r.GetString(4),
        r.GetFieldValue<DateTimeOffset>(5),
        r.GetString(6))
    {
        Document = r.IsDBNull(7) ? null : r.GetString(7),
        DocumentIssuedAt = r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8),
        DocumentExpiresAt = r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9),
        LastCheckedAt = r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10),
        LastError = r.IsDBNull(11) ? null : r.GetString(11),
    };
}
