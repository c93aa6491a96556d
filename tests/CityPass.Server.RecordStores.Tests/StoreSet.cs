using System.Reflection;
using CityPass.Server.Appeals;
using CityPass.Server.Audit;
using CityPass.Server.Authority;
using CityPass.Server.Cases;
using CityPass.Server.Citizens;
using CityPass.Server.Estates;
using CityPass.Server.Federation;
using CityPass.Server.Identify;
using CityPass.Server.Operators;
using CityPass.Server.Scans;
using CityPass.Server.Stores.Embedded;
using CityPass.Server.Stores.Postgres;
using CityPass.Server.Ticketing;
using CityPass.Server.Venues;
using CityPass.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CityPass.Server.RecordStores.Tests;

/// <summary>
/// Every store of one backend, fresh and empty for each test: in memory, or in a new database on
/// the shared test cluster (migrated). Also the back doors a test needs to play the attacker.
/// </summary>
public sealed class StoreSet : IAsyncDisposable
{
    private readonly Func<long, Func<AuditEntry, AuditEntry?>, Task> _rewriteAuditEntry;

    private StoreSet(
        ICitizenStore citizens, IAuditLog audit, IVenueStore venues, IOperatorStore operators, IScanStore scans, ITrustedCityStore trustedCities,
        ICaseStore cases, IAppealStore appeals, IStatusDraftStore drafts, NpgsqlDataSource? dataSource, Func<long, Func<AuditEntry, AuditEntry?>, Task> rewriteAuditEntry)
    {
        Citizens = citizens;
        Audit = audit;
        Venues = venues;
        Operators = operators;
        Scans = scans;
        TrustedCities = trustedCities;
        Cases = cases;
        Appeals = appeals;
        Drafts = drafts;
        Tickets = dataSource is null ? new EmbeddedTicketStore((EmbeddedVenueStore)venues, (EmbeddedAuditLog)audit) : new PostgresTicketStore(dataSource);
        Estates = dataSource is null
            ? new EmbeddedEstateStore((EmbeddedVenueStore)venues, (EmbeddedTicketStore)Tickets, (EmbeddedAuditLog)audit)
            : new PostgresEstateStore(dataSource);
        Identity = dataSource is null ? new EmbeddedIdentityStore() : new PostgresIdentityStore(dataSource);
        DataSource = dataSource;
        _rewriteAuditEntry = rewriteAuditEntry;
    }

    public ICitizenStore Citizens { get; }

    public IAuditLog Audit { get; }

    public IVenueStore Venues { get; }

    public IOperatorStore Operators { get; }

    public IScanStore Scans { get; }

    /// <summary>The roll-ups of <see cref="Scans"/>: the embedded store keeps them itself; PostgreSQL's are read from their table.</summary>
    public IScanMinuteStore Minutes => DataSource is null ? (IScanMinuteStore)Scans : new PostgresScanMinuteStore(DataSource);

    public ITrustedCityStore TrustedCities { get; }

    public ICaseStore Cases { get; }

    public IAppealStore Appeals { get; }

    public IStatusDraftStore Drafts { get; }

    public ITicketStore Tickets { get; }

    public IEstateStore Estates { get; }

    public IIdentityStore Identity { get; }

    /// <summary>The database behind the Postgres stores; null when embedded.</summary>
    public NpgsqlDataSource? DataSource { get; }

    public static StoreSet Embedded()
    {
        var audit = new EmbeddedAuditLog();
        var venues = new EmbeddedVenueStore();
        return new StoreSet(new EmbeddedCitizenStore(audit, venues), audit, venues, new EmbeddedOperatorStore(audit), new EmbeddedScanStore(),
            new EmbeddedTrustedCityStore(audit), new EmbeddedCaseStore(audit), new EmbeddedAppealStore(audit), new EmbeddedStatusDraftStore(audit), null,
            (sequence, rewrite) =>
            {
                // The embedded log has no way in from outside, which is the point; the test reaches past it.
                var entries = (List<AuditEntry>)typeof(EmbeddedAuditLog).GetField("_entries", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(audit)!;
                var index = entries.FindIndex(e => e.Sequence == sequence);
                if (rewrite(entries[index]) is { } changed) entries[index] = changed;
                else entries.RemoveAt(index);
                return Task.CompletedTask;
            });
    }

    public static async Task<StoreSet> PostgresAsync()
    {
        var server = await PostgresServer.Shared;
        var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("stores"));
        await new PostgresMigrator(dataSource, NullLogger<PostgresMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return new StoreSet(
            new PostgresCitizenStore(dataSource), new PostgresAuditLog(dataSource), new PostgresVenueStore(dataSource), new PostgresOperatorStore(dataSource),
            new PostgresScanStore(dataSource), new PostgresTrustedCityStore(dataSource), new PostgresCaseStore(dataSource), new PostgresAppealStore(dataSource),
            new PostgresStatusDraftStore(dataSource), dataSource,
            async (sequence, rewrite) =>
            {
                var entry = await new PostgresAuditLog(dataSource).QueryAsync(new AuditQuery(BeforeSequence: sequence + 1, Limit: 1), CancellationToken.None);
                await using var command = dataSource.CreateCommand();
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence });
                if (rewrite(entry[0]) is { } changed)
                {
                    command.CommandText = "UPDATE audit_log SET actor = $2, reason = $3, after = $4 WHERE sequence = $1";
                    command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = changed.Actor });
                    command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = changed.Reason });
                    command.Parameters.Add(new NpgsqlParameter { Value = (object?)changed.After ?? DBNull.Value });
                }
                else
                {
                    command.CommandText = "DELETE FROM audit_log WHERE sequence = $1";
                }
                await command.ExecuteNonQueryAsync();
            });
    }

    /// <summary>Changes (or, when the function returns null, deletes) a stored audit entry behind the log's back.</summary>
    public Task RewriteAuditEntryAsync(long sequence, Func<AuditEntry, AuditEntry?> rewrite) => _rewriteAuditEntry(sequence, rewrite);

    public async ValueTask DisposeAsync()
    {
        if (DataSource is not null) await DataSource.DisposeAsync();
    }
}

/// <summary>A contract suite's base: a fresh <see cref="StoreSet"/> for every test (xunit makes a new instance per test).</summary>
public abstract class StoreContract : IAsyncLifetime
{
    protected StoreSet Stores { get; private set; } = null!;

    protected static CancellationToken None => CancellationToken.None;

    protected abstract Task<StoreSet> OpenStoresAsync();

    public async Task InitializeAsync() => Stores = await OpenStoresAsync();

    public async Task DisposeAsync() => await Stores.DisposeAsync();
}
