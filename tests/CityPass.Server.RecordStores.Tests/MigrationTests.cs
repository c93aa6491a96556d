using CityPass.Server.Stores.Postgres;
using CityPass.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CityPass.Server.RecordStores.Tests;

public sealed class MigrationTests
{
    private static async Task<NpgsqlDataSource> FreshDatabaseAsync() =>
        NpgsqlDataSource.Create(await (await PostgresServer.Shared).CreateDatabaseAsync("migrations"));

    private static PostgresMigrator Migrator(NpgsqlDataSource dataSource) => new(dataSource, NullLogger<PostgresMigrator>.Instance);

    private static async Task<List<(int, string)>> RecordedAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT version, name FROM schema_migrations ORDER BY version");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(int, string)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetInt32(0), reader.GetString(1)));
        return rows;
    }

    /// <summary>Numbers taken by a script on another branch that has not been merged here yet; empty once it has.</summary>
    private static readonly int[] ReservedElsewhere = [4];

    [Fact]
    public void ScriptsAreEmbeddedAndNumberedFromOneWithoutGaps()
    {
        Assert.True(PostgresMigrator.Scripts.Count >= 3);
        var versions = PostgresMigrator.Scripts.Select(s => s.Version).ToList();
        Assert.Equal(Enumerable.Range(1, versions[^1]).Where(v => versions.Contains(v) || !ReservedElsewhere.Contains(v)), versions);
        Assert.All(PostgresMigrator.Scripts, s => Assert.EndsWith(".sql", s.Name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task MigratingTwiceAppliesEveryScriptOnceAndThenNothing()
    {
        await using var dataSource = await FreshDatabaseAsync();

        var first = await Migrator(dataSource).MigrateAsync(CancellationToken.None);
        var second = await Migrator(dataSource).MigrateAsync(CancellationToken.None);

        Assert.Equal(PostgresMigrator.Scripts.Select(s => s.Name), first);
        Assert.Empty(second);
        Assert.Equal(PostgresMigrator.Scripts.Select(s => (s.Version, s.Name)), await RecordedAsync(dataSource));
    }

    [Fact]
    public async Task ReplicasMigratingAtOnceApplyEachScriptExactlyOnce()
    {
        await using var first = await FreshDatabaseAsync();
        // Separate pools, as separate replicas have.
        var replicas = Enumerable.Range(0, 4).Select(_ => NpgsqlDataSource.Create(first.ConnectionString)).ToList();
        try
        {
            var applied = await Task.WhenAll(replicas.Select(r => Task.Run(() => Migrator(r).MigrateAsync(CancellationToken.None))));

            Assert.Equal(PostgresMigrator.Scripts.Select(s => s.Name).Order(), applied.SelectMany(a => a).Order());
            Assert.Equal(PostgresMigrator.Scripts.Count, (await RecordedAsync(first)).Count);
            Assert.Empty(await Migrator(first).MigrateAsync(CancellationToken.None));
        }
        finally
        {
            foreach (var replica in replicas) await replica.DisposeAsync();
        }
    }

    [Fact]
    public async Task OperatorsThatExistedBeforeTheSecurityStampGetOneEach()
    {
        await using var dataSource = await FreshDatabaseAsync();
        foreach (var (_, _, sql) in PostgresMigrator.Scripts.Where(s => s.Version < 5)) await dataSource.CreateCommand(sql).ExecuteNonQueryAsync();
        await dataSource.CreateCommand("""
            INSERT INTO operators (id, username, display_name, password_hash, role, venue_ids, created_at) VALUES
                (gen_random_uuid(), 'old-one', 'Old One', 'h', 'CityAdmin', '{}', now()),
                (gen_random_uuid(), 'old-two', 'Old Two', 'h', 'CityAdmin', '{}', now())
            """).ExecuteNonQueryAsync();

        await dataSource.CreateCommand(PostgresMigrator.Scripts.Single(s => s.Version == 5).Sql).ExecuteNonQueryAsync();

        var stamps = new List<string>();
        await using (var reader = await dataSource.CreateCommand("SELECT security_stamp FROM operators").ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) stamps.Add(reader.GetString(0));
        }
        Assert.Equal(2, stamps.Distinct().Count());
        Assert.All(stamps, s => Assert.Equal(32, s.Length));
    }
}
