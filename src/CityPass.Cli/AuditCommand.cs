using System.CommandLine;
using System.Globalization;
using CityPass.Core.Audit;
using Npgsql;

namespace CityPass.Cli;

/// <summary>
/// `citypass audit verify`: an auditor's own check of the audit log's hash chain, read straight from the PostgreSQL
/// database (a read-only account is enough), without trusting the server that wrote it. Every entry's hash is computed
/// again from its fields and the previous entry's hash; the first entry that does not match (changed, or one before it
/// deleted or inserted) is named.
/// </summary>
internal static class AuditCommand
{
    private const int Page = 5000;

    public static Command Create()
    {
        var connection = new Option<string>("--postgres")
        {
            Description = "The database's connection string (Host=…;Database=…;Username=…). Default: $CITYPASS_POSTGRES. A read-only role is enough.",
            HelpName = "CONNECTION",
        };
        var verify = new Command("verify", "Check the audit log's hash chain in a PostgreSQL database; exits 1 at the first broken entry.") { connection };
        verify.SetAction((parse, ct) => VerifyAsync(parse.GetValue(connection) ?? Environment.GetEnvironmentVariable("CITYPASS_POSTGRES"), ct));
        return new Command("audit", "The audit log.") { verify };
    }

    private static async Task<int> VerifyAsync(string? connectionString, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            Console.Error.WriteLine("citypass: --postgres (or $CITYPASS_POSTGRES) is required.");
            return 2;
        }
        try
        {
            await using var source = NpgsqlDataSource.Create(connectionString);
            long total;
            await using (var count = source.CreateCommand("SELECT count(*) FROM audit_log")) total = (long)(await count.ExecuteScalarAsync(ct))!;
            var previous = AuditHash.Genesis;
            long expected = 1, checkedCount = 0;
            while (true)
            {
                // Pages by sequence: no snapshot or connection is held while the hashes are computed.
                await using var command = source.CreateCommand(
                    "SELECT sequence, at, actor, action, subject, before, after, reason, case_ref, previous_hash, hash FROM audit_log WHERE sequence >= $1 ORDER BY sequence LIMIT $2");
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expected });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Page });
                var read = 0;
                await using (var r = await command.ExecuteReaderAsync(ct))
                {
                    while (await r.ReadAsync(ct))
                    {
                        read++;
                        var sequence = r.GetInt64(0);
                        var stored = r.GetString(10);
                        var computed = AuditHash.Compute(r.GetString(9), sequence, r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetString(3), r.GetString(4),
                            r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8));
                        var why = sequence != expected ? $"entry {expected} is missing"
                            : r.GetString(9) != previous ? "its previous hash is not the hash of the entry before it"
                            : computed != stored ? "its fields do not give its hash (changed after it was written)"
                            : null;
                        if (why is not null)
                        {
                            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"broken at sequence {expected}: {why}; {checkedCount} entries before it verify"));
                            return 1;
                        }
                        previous = stored;
                        expected++;
                        checkedCount++;
                    }
                }
                if (read < Page) break;
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"verified {checkedCount} of {total}"));
            }
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ok: {checkedCount} entries, the chain is whole; head {previous}"));
            return 0;
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            // The exception's type and message only: the connection string (and its password) is never printed.
            Console.Error.WriteLine($"citypass: cannot read the audit log ({e.GetType().Name}): {e.Message}");
            return 3;
        }
    }
}
