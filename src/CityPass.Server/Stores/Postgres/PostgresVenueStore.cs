using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Server.Citizens;
using CityPass.Server.Venues;
using Npgsql;
using NpgsqlTypes;

namespace CityPass.Server.Stores.Postgres;

/// <summary>Venues (policy as jsonb in VenuePolicyDocument form), gates with their hashed credentials, and bookings in PostgreSQL.</summary>
public sealed class PostgresVenueStore(NpgsqlDataSource dataSource) : IVenueStore
{
    private const string VenueColumns = "id, name, kind, address, policy::text, created_at, district";
    private const string GateColumns = "id, venue_id, name, created_at, credential_hash, credential_issued_at, credential_revoked_at";

    // "C" collation orders names by code point, as the embedded store's ordinal comparer does; ties go by uuid (RFC byte) order.
    private const string VenueOrder = "ORDER BY name COLLATE \"C\", id";
    private const string GateOrder = "ORDER BY name COLLATE \"C\", id";

    public async Task<IReadOnlyList<Venue>> ListVenuesAsync(IReadOnlyCollection<Guid>? only, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(only is null
            ? $"SELECT {VenueColumns} FROM venues {VenueOrder}"
            : $"SELECT {VenueColumns} FROM venues WHERE id = ANY($1) {VenueOrder}");
        if (only is not null) command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. only] });
        return await ReadAllAsync(command, ReadVenue, cancellationToken);
    }

    public async Task<Venue?> GetVenueAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {VenueColumns} FROM venues WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return await ReadOneAsync(command, ReadVenue, cancellationToken);
    }

    public async Task<Venue> CreateVenueAsync(Venue venue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(venue);
        await using var command = dataSource.CreateCommand(
            $"INSERT INTO venues (id, name, kind, address, policy, created_at, district) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7) RETURNING {VenueColumns}");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = venue.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = venue.Name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = venue.Kind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = venue.Address });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = VenuePolicyDocument.From(venue.Policy).ToJson() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(venue.CreatedAt) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = venue.District });
        try
        {
            return (await ReadOneAsync(command, ReadVenue, cancellationToken))!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new InvalidOperationException($"Venue {venue.Id} exists.", e);
        }
    }

    public async Task<Venue?> UpdateVenueAsync(Venue venue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(venue);
        await using var command = dataSource.CreateCommand($"UPDATE venues SET name = $2, kind = $3, address = $4, district = $5 WHERE id = $1 RETURNING {VenueColumns}");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = venue.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = venue.Name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = venue.Kind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = venue.Address });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = venue.District });
        return await ReadOneAsync(command, ReadVenue, cancellationToken);
    }

    /// <summary>Gates and bookings go with it (ON DELETE CASCADE); scans have no foreign key and stay.</summary>
    public Task<bool> DeleteVenueAsync(Guid id, CancellationToken cancellationToken) => DeleteAsync("DELETE FROM venues WHERE id = $1", id, cancellationToken);

    public async Task<Venue?> SetPolicyAsync(Guid venueId, VenuePolicy policy, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"UPDATE venues SET policy = $2::jsonb WHERE id = $1 RETURNING {VenueColumns}");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = venueId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = VenuePolicyDocument.From(policy).ToJson() });
        return await ReadOneAsync(command, ReadVenue, cancellationToken);
    }

    public async Task<IReadOnlyList<Gate>> ListGatesAsync(Guid venueId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {GateColumns} FROM gates WHERE venue_id = $1 {GateOrder}");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = venueId });
        return await ReadAllAsync(command, ReadGate, cancellationToken);
    }

    public async Task<IReadOnlyList<Gate>> ListAllGatesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {GateColumns} FROM gates {GateOrder}");
        return await ReadAllAsync(command, ReadGate, cancellationToken);
    }

    public async Task<Gate?> GetGateAsync(Guid gateId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {GateColumns} FROM gates WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = gateId });
        return await ReadOneAsync(command, ReadGate, cancellationToken);
    }

    public async Task<Gate?> CreateGateAsync(Gate gate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gate);
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO gates ({GateColumns})
            SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM venues WHERE id = $2)
            RETURNING {GateColumns}
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = gate.Id });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = gate.VenueId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = gate.Name });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = PgValues.ToStored(gate.CreatedAt) });
        AddCredential(command, gate.Credential);
        try
        {
            return await ReadOneAsync(command, ReadGate, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return null; // the venue went between the check and the insert
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new InvalidOperationException($"Gate {gate.Id} exists.", e);
        }
    }

    public async Task<Gate?> UpdateGateAsync(Gate gate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gate);
        await using var command = dataSource.CreateCommand($"UPDATE gates SET name = $2 WHERE id = $1 RETURNING {GateColumns}");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = gate.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = gate.Name });
        return await ReadOneAsync(command, ReadGate, cancellationToken);
    }

    public Task<bool> DeleteGateAsync(Guid gateId, CancellationToken cancellationToken) => DeleteAsync("DELETE FROM gates WHERE id = $1", gateId, cancellationToken);

    public async Task<Gate?> SetGateCredentialAsync(Guid gateId, GateCredential credential, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credential);
        await using var command = dataSource.CreateCommand(
            $"UPDATE gates SET credential_hash = $2, credential_issued_at = $3, credential_revoked_at = $4 WHERE id = $1 RETURNING {GateColumns}");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = gateId });
        AddCredential(command, credential);
        return await ReadOneAsync(command, ReadGate, cancellationToken);
    }

    public async Task<IReadOnlyList<Booking>> ListBookingsAsync(Guid venueId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT venue_id, citizen_id, created_at FROM bookings WHERE venue_id = $1 ORDER BY created_at, citizen_id");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = venueId });
        return await ReadAllAsync(command,
            r => new Booking(r.GetGuid(0), new CitizenPseudonym(PgValues.FromUuid(r.GetGuid(1))), r.GetFieldValue<DateTimeOffset>(2)), cancellationToken);
    }

    private static void AddCredential(NpgsqlCommand command, GateCredential? credential)
    {
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = (object?)credential?.SecretHash ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = credential is null ? DBNull.Value : PgValues.ToStored(credential.IssuedAt) });
        command.Parameters.Add(new NpgsqlParameter
        {
            NpgsqlDbType = NpgsqlDbType.TimestampTz,
            Value = credential?.RevokedAt is { } revoked ? PgValues.ToStored(revoked) : DBNull.Value,
        });
    }

    private async Task<bool> DeleteAsync(string sql, Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static async Task<T?> ReadOneAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken) where T : class
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? read(reader) : null;
    }

    private static async Task<IReadOnlyList<T>> ReadAllAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<T>();
        while (await reader.ReadAsync(cancellationToken)) list.Add(read(reader));
        return list;
    }

    private static Venue ReadVenue(NpgsqlDataReader r) =>
        new(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), VenuePolicyDocument.ParseStored(r.GetString(4)), r.GetFieldValue<DateTimeOffset>(5))
        {
            District = r.GetString(6),
        };

    private static Gate ReadGate(NpgsqlDataReader r) => new(
        r.GetGuid(0),
        r.GetGuid(1),
        r.GetString(2),
        r.GetFieldValue<DateTimeOffset>(3),
        r.IsDBNull(4) ? null : new GateCredential(
            r.GetFieldValue<byte[]>(4),
            r.GetFieldValue<DateTimeOffset>(5),
            r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6)));
}
