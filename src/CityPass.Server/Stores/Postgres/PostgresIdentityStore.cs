using CityPass.Core.Citizens;
using CityPass.Core.Identify;
using CityPass.Server.Identify;
using Npgsql;

namespace CityPass.Server.Stores.Postgres;

/// <summary>Consents, the citizen's changes to them and the disclosure log in PostgreSQL (migration 0021).</summary>
public sealed class PostgresIdentityStore(NpgsqlDataSource dataSource) : IIdentityStore
{
    private const string DisclosureColumns = "id, citizen_id, venue_id, venue_name, venue_kind, gate_id, scan_id, member_id, claims, masked_name, age_band, eid_verified, at";

    public async Task<Consent?> GetConsentAsync(CitizenPseudonym citizen, string venueKind, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT citizen_id, venue_kind, claims, updated_at FROM identity_consents WHERE citizen_id = $1 AND venue_kind = $2");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Uuid(citizen) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = venueKind });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadConsent(reader) : null;
    }

    public async Task<IReadOnlyList<Consent>> ConsentsOfAsync(CitizenPseudonym citizen, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT citizen_id, venue_kind, claims, updated_at FROM identity_consents WHERE citizen_id = $1 ORDER BY venue_kind COLLATE \"C\"");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Uuid(citizen) });
        var consents = new List<Consent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) consents.Add(ReadConsent(reader));
        return consents;
    }

    public async Task<bool> ChangeConsentAsync(ConsentChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        // One statement: the consent and its history entry change together, and only when something changes.
        await using var command = dataSource.CreateCommand(change.Claims is null
            ? """
              WITH gone AS (DELETE FROM identity_consents WHERE citizen_id = $1 AND venue_kind = $2 RETURNING citizen_id)
              INSERT INTO identity_consent_changes (citizen_id, venue_kind, claims, at) SELECT $1, $2, NULL, $4 FROM gone
              """
            : """
              WITH changed AS (
                  INSERT INTO identity_consents AS c (citizen_id, venue_kind, claims, updated_at) VALUES ($1, $2, $3, $4)
                  ON CONFLICT (citizen_id, venue_kind) DO UPDATE SET claims = EXCLUDED.claims, updated_at = EXCLUDED.updated_at
                      WHERE c.claims <> EXCLUDED.claims
                  RETURNING citizen_id)
              INSERT INTO identity_consent_changes (citizen_id, venue_kind, claims, at) SELECT $1, $2, $3, $4 FROM changed
              """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Uuid(change.CitizenId) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.VenueKind });
        command.Parameters.Add(new NpgsqlParameter<int?> { TypedValue = (int?)change.Claims });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(change.At) });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<IReadOnlyList<ConsentChange>> ConsentHistoryAsync(CitizenPseudonym citizen, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT venue_kind, claims, at FROM identity_consent_changes WHERE citizen_id = $1 ORDER BY seq DESC LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Uuid(citizen) });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var changes = new List<ConsentChange>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            changes.Add(new ConsentChange(citizen, reader.GetString(0), reader.IsDBNull(1) ? null : (IdentityClaims)reader.GetInt32(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        return changes;
    }

    public async Task RecordDisclosureAsync(Disclosure disclosure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(disclosure);
        await using var command = dataSource.CreateCommand($"INSERT INTO identity_disclosures ({DisclosureColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)");
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<Guid> { TypedValue = disclosure.Id });
        p.Add(new NpgsqlParameter<Guid> { TypedValue = Uuid(disclosure.CitizenId) });
        p.Add(new NpgsqlParameter<Guid> { TypedValue = disclosure.VenueId });
        p.Add(new NpgsqlParameter<string> { TypedValue = disclosure.VenueName });
        p.Add(new NpgsqlParameter<string> { TypedValue = disclosure.VenueKind });
        p.Add(new NpgsqlParameter<Guid> { TypedValue = disclosure.GateId });
        p.Add(new NpgsqlParameter<Guid> { TypedValue = disclosure.ScanId });
        p.Add(new NpgsqlParameter<string> { TypedValue = disclosure.MemberId });
        p.Add(new NpgsqlParameter<int> { TypedValue = (int)disclosure.Claims });
        p.Add(new NpgsqlParameter { Value = (object?)disclosure.MaskedName ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter { Value = (object?)disclosure.AgeBand ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<bool?> { TypedValue = disclosure.EIdVerified });
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(disclosure.At) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task<IReadOnlyList<Disclosure>> DisclosuresOfAsync(CitizenPseudonym citizen, int limit, CancellationToken cancellationToken) =>
        ReadDisclosuresAsync("citizen_id = $1", Uuid(citizen), null, null, limit, cancellationToken);

    public Task<IReadOnlyList<Disclosure>> DisclosuresAtAsync(Guid venueId, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken) =>
        ReadDisclosuresAsync("venue_id = $1", venueId, from, to, limit, cancellationToken);

    public async Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH d AS (DELETE FROM identity_disclosures WHERE at < $1 RETURNING 1), c AS (DELETE FROM identity_consent_changes WHERE at < $1 RETURNING 1)
            SELECT (SELECT count(*) FROM d) + (SELECT count(*) FROM c)
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(before) });
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<IReadOnlyList<Disclosure>> ReadDisclosuresAsync(string condition, Guid key, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {DisclosureColumns} FROM identity_disclosures
            WHERE {condition} AND ($2::timestamptz IS NULL OR at >= $2) AND ($3::timestamptz IS NULL OR at < $3)
            ORDER BY at DESC, seq DESC LIMIT $4
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = to });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var disclosures = new List<Disclosure>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            disclosures.Add(new Disclosure(reader.GetGuid(0), Pseudonym(reader.GetGuid(1)), reader.GetGuid(2), reader.GetString(3), reader.GetString(4), reader.GetGuid(5),
                reader.GetGuid(6), reader.GetString(7), (IdentityClaims)reader.GetInt32(8), reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetBoolean(11), reader.GetFieldValue<DateTimeOffset>(12)));
        }
        return disclosures;
    }

    private static Consent ReadConsent(NpgsqlDataReader r) =>
        new(Pseudonym(r.GetGuid(0)), r.GetString(1), (IdentityClaims)r.GetInt32(2), r.GetFieldValue<DateTimeOffset>(3));

    private static Guid Uuid(CitizenPseudonym citizen) => PgValues.ToUuid(citizen.Value);

    private static CitizenPseudonym Pseudonym(Guid uuid) => new(PgValues.FromUuid(uuid));
}
