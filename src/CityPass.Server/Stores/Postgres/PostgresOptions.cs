using Microsoft.Extensions.Options;
using Npgsql;

namespace CityPass.Server.Stores.Postgres;

/// <summary>Where the systems of record live (ConnectionStrings:Postgres), and how many connections a server holds there (Postgres:MaxPoolSize).</summary>
public sealed class PostgresOptions
{
    public const string Section = "Postgres";

    /// <summary>
    /// The pool's bound unless Postgres:MaxPoolSize says otherwise; Npgsql's own is 100. A server needs few at once (the
    /// archive, the roll-ups' fold and the reconciler take one each; staff's changes queue on the audit chain's lock
    /// anyway), and every replica's pool must fit in the database's max_connections together (k8s/: replicas x pool).
    /// It is also the pool's floor: a pool that grew in a burst and was then closed all at once by Npgsql's pruning (46
    /// backends ending together) took a core from the scans for half a second (docs/performance.md).
    /// </summary>
    public const int DefaultMaxPoolSize = 16;

    public string ConnectionString { get; set; } = "";

    public int MaxPoolSize { get; set; } = DefaultMaxPoolSize;
}

/// <summary>Checks the connection string's shape and the pool's bound at boot; whether the server answers is checked by the migrator, also at boot.</summary>
public sealed class PostgresOptionsValidator : IValidateOptions<PostgresOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString)) return ValidateOptionsResult.Fail("ConnectionStrings:Postgres is empty.");
        if (options.MaxPoolSize is < 1 or > 1000) return ValidateOptionsResult.Fail("Postgres:MaxPoolSize is between 1 and 1000.");
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            if (string.IsNullOrWhiteSpace(builder.Host)) return ValidateOptionsResult.Fail("ConnectionStrings:Postgres names no Host.");
            if (string.IsNullOrWhiteSpace(builder.Database)) return ValidateOptionsResult.Fail("ConnectionStrings:Postgres names no Database.");
            // One place for the pool's size, which the manifests' budget check reads: the server sets both from it, over the string's.
            foreach (var size in (string[])["Maximum Pool Size", "Minimum Pool Size"])
            {
                if (builder.Keys.Contains(size, StringComparer.OrdinalIgnoreCase))
                    return ValidateOptionsResult.Fail($"ConnectionStrings:Postgres sets {size}; set Postgres:MaxPoolSize instead.");
            }
        }
        catch (ArgumentException e)
        {
            // The message names the bad keyword; the connection string itself may hold a password, so it is not echoed.
            return ValidateOptionsResult.Fail($"ConnectionStrings:Postgres is not a valid Npgsql connection string: {e.Message}");
        }
        return ValidateOptionsResult.Success;
    }
}
