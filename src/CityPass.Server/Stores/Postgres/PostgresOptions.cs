using Microsoft.Extensions.Options;
using Npgsql;

namespace CityPass.Server.Stores.Postgres;

/// <summary>Where the systems of record live: ConnectionStrings:Postgres.</summary>
public sealed class PostgresOptions
{
    public string ConnectionString { get; set; } = "";
}

/// <summary>Checks the connection string's shape at boot; whether the server answers is checked by the migrator, also at boot.</summary>
public sealed class PostgresOptionsValidator : IValidateOptions<PostgresOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString)) return ValidateOptionsResult.Fail("ConnectionStrings:Postgres is empty.");
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            if (string.IsNullOrWhiteSpace(builder.Host)) return ValidateOptionsResult.Fail("ConnectionStrings:Postgres names no Host.");
            if (string.IsNullOrWhiteSpace(builder.Database)) return ValidateOptionsResult.Fail("ConnectionStrings:Postgres names no Database.");
        }
        catch (ArgumentException e)
        {
            // The message names the bad keyword; the connection string itself may hold a password, so it is not echoed.
            return ValidateOptionsResult.Fail($"ConnectionStrings:Postgres is not a valid Npgsql connection string: {e.Message}");
        }
        return ValidateOptionsResult.Success;
    }
}
