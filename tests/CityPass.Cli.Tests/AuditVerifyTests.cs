using System.Diagnostics;
using System.Net.Http.Json;
using CityPass.Testing;
using Npgsql;

namespace CityPass.Cli.Tests;

/// <summary>
/// `citypass audit verify` against an audit log the real server wrote in PostgreSQL (its sign-ins are audited), then
/// against the same log changed behind the server's back, as an insider with database access would.
/// </summary>
public sealed class AuditVerifyTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private string _database = "";

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _database = await (await PostgresServer.Shared).CreateDatabaseAsync("auditcli");
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Redis"] = _redis.ConnectionString,
            ["ConnectionStrings:Postgres"] = _database,
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Orleans:ClusterId"] = "audit-" + Guid.NewGuid().ToString("N"),
            ["RateLimits:SignInsPerMinute"] = "10000",
            ["Demo:Seed"] = "true",
            ["Keys:KeySetJson"] = CityPass.Core.Keys.IssuerKeySet.Generate(new CityPass.Core.Keys.IssuerId(310000), CityPass.Core.Keys.SignatureSuite.Es256, DateTimeOffset.UtcNow.AddDays(-1)).ToPrivateJson(),
            ["Keys:ServerSecret"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        // The demo seeding and a few sign-ins, each one audited.
        await Eventually.TrueAsync(async () => (await http.PostAsJsonAsync("/v1/auth/token", new { username = "admin", password = "demo-admin-2026" })).IsSuccessStatusCode,
            TimeSpan.FromSeconds(60), "the demo staff are seeded");
        for (var i = 0; i < 5; i++) await http.PostAsJsonAsync("/v1/auth/token", new { username = "library", password = i % 2 == 0 ? "demo-library-2026" : "wrong" });
    }

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    internal static async Task<(int ExitCode, string Out, string Error)> CitypassAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "citypass.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    private async Task SqlAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task AWholeChainVerifiesAndAChangedOrDeletedEntryIsNamed()
    {
        var whole = await CitypassAsync("audit", "verify", "--postgres", _database);
        Assert.True(whole.ExitCode == 0, whole.Out + whole.Error);
        Assert.Matches(@"^ok: \d+ entries, the chain is whole; head [0-9a-f]{64}", whole.Out);

        // An insider softens a recorded reason: the entry's hash no longer fits its fields.
        await SqlAsync("UPDATE audit_log SET reason = reason || ' (edited)' WHERE sequence = 3");
        var changed = await CitypassAsync("audit", "verify", "--postgres", _database);
        Assert.Equal(1, changed.ExitCode);
        Assert.StartsWith("broken at sequence 3: its fields do not give its hash", changed.Out, StringComparison.Ordinal);

        // Deleting an entry instead leaves a gap.
        await SqlAsync("DELETE FROM audit_log WHERE sequence IN (2, 3)");
        var deleted = await CitypassAsync("audit", "verify", "--postgres", _database);
        Assert.Equal((1, "broken at sequence 2: entry 2 is missing; 1 entries before it verify"), (deleted.ExitCode, deleted.Out.Trim()));
    }
}

/// <summary>What `citypass audit verify` says without a usable database.</summary>
public sealed class AuditVerifyUsageTests
{
    [Fact]
    public async Task NoConnectionIsAUsageErrorAndAnUnreachableDatabaseSaysSoWithoutItsPassword()
    {
        Assert.Equal(2, (await AuditVerifyTests.CitypassAsync("audit", "verify")).ExitCode);
        var unreachable = await AuditVerifyTests.CitypassAsync("audit", "verify", "--postgres", "Host=127.0.0.1;Port=1;Database=x;Username=u;Password=s3cret-pw;Timeout=2");
        Assert.Equal(3, unreachable.ExitCode);
        Assert.DoesNotContain("s3cret-pw", unreachable.Error + unreachable.Out, StringComparison.Ordinal);
    }
}
