using CityPass.Core.Citizens;
using CityPass.Server.Citizens;
using CityPass.Server.Scans;
using CityPass.Server.Stores.Postgres;
using CityPass.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static CityPass.Server.RecordStores.Tests.Samples;

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

    [Fact]
    public void ScriptsAreEmbeddedAndNumberedFromOneWithoutGaps()
    {
        Assert.True(PostgresMigrator.Scripts.Count >= 3);
        Assert.Equal(Enumerable.Range(1, PostgresMigrator.Scripts.Count), PostgresMigrator.Scripts.Select(s => s.Version));
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
    public async Task ScansArchivedBeforeTheKeyNamedTheGateMigrateAndOtherGatesRecordsWithTheirIdsAreKept()
    {
        await using var dataSource = await FreshDatabaseAsync();
        await ApplyScriptsUpToAsync(dataSource, 3);
        var old = new[] { Scan(Now), Scan(Now.AddDays(-1)), Scan(Now.AddDays(-1)) };
        await InsertIntoAnOlderSchemaAsync(dataSource, old);
        var otherGate = Scan(Now, scanId: old[0].ScanId, citizenId: Core.Citizens.CitizenPseudonym.NewRandom());
        Assert.Equal(0, await InsertIntoAnOlderSchemaAsync(dataSource, [otherGate])); // what the old key did

        Assert.Contains("0004_scan_key_per_gate.sql", await Migrator(dataSource).MigrateAsync(CancellationToken.None));

        var after = new PostgresScanStore(dataSource);
        Assert.Equal(old.OrderByDescending(r => r.DecidedAt).ThenByDescending(r => r.ScanId, Comparer<Guid>.Create(ScanCursor.CompareIds)),
            await after.QueryAsync(new ScanQuery(), CancellationToken.None));
        Assert.Equal(1, await after.InsertAsync([otherGate, .. old], CancellationToken.None));
        Assert.Equal(otherGate, await after.GetAsync(otherGate.GateId, otherGate.ScanId, DateTimeOffset.MinValue, CancellationToken.None));
        Assert.Equal(old[0], await after.GetAsync(old[0].GateId, old[0].ScanId, DateTimeOffset.MinValue, CancellationToken.None));
        // The gate stays in the key through the later reordering (0009).
        Assert.Equal(
            [("scans", "decided_at,scan_id,gate_id"), ("scans_p20261120", "decided_at,scan_id,gate_id"), ("scans_p20261121", "decided_at,scan_id,gate_id")],
            await PrimaryKeysAsync(dataSource));
    }

    [Fact]
    public async Task ScansArchivedBeforeTheKeyWasInTimeOrderKeepTheirIdentityAndTheLogReadsTheKey()
    {
        await using var dataSource = await FreshDatabaseAsync();
        await ApplyScriptsUpToAsync(dataSource, 8);
        var old = new[] { Scan(Now), Scan(Now.AddDays(-1)), Scan(Now.AddMinutes(-1)) };
        Assert.Equal(3, await InsertIntoAnOlderSchemaAsync(dataSource, old));

        Assert.Equal(["0009_scan_key_in_time_order.sql", "0010_trusted_cities.sql", "0011_offline_decisions.sql", "0012_cases.sql", "0013_operator_disabled.sql", "0014_status_drafts.sql", "0015_appeals.sql", "0016_issuer_key_sets.sql", "0017_tickets.sql", "0018_estates.sql", "0019_scan_minutes.sql", "0020_scan_minute_deltas.sql", "0021_identify.sql", "0022_citizens_changed_at.sql", "0023_citizens_changed_xact.sql"], await Migrator(dataSource).MigrateAsync(CancellationToken.None));

        var after = new PostgresScanStore(dataSource);
        Assert.Equal(0, await after.InsertAsync(old, CancellationToken.None)); // a redelivery still conflicts
        Assert.Equal(1, await after.InsertAsync([old[1] with { Withdrawn = true }], CancellationToken.None));
        Assert.Equal([old[0], old[2]], await after.QueryAsync(new ScanQuery(), CancellationToken.None));
        // 0019 rolled up what was archived before it; the withdrawal took its scan back out of them.
        Assert.Equal([(ScanMinute.Of(old[2].DecidedAt), 1L), (ScanMinute.Of(old[0].DecidedAt), 1L)],
            (await new PostgresScanMinuteStore(dataSource).MinutesAsync(Now.AddDays(-2), Now.AddDays(1), null, CancellationToken.None)).Select(m => (m.Minute, m.Scans)));
        Assert.Equal([("scans", "decided_at,scan_id,gate_id"), ("scans_p20261120", "decided_at,scan_id,gate_id"), ("scans_p20261121", "decided_at,scan_id,gate_id")],
            await PrimaryKeysAsync(dataSource));
        await using (var timeIndexes = dataSource.CreateCommand("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'scans%by_time%'"))
        {
            Assert.Equal(0L, await timeIndexes.ExecuteScalarAsync());
        }
        // Newest first, page after page, from the key read backwards: no sort of a day's rows.
        await using var connection = await dataSource.OpenConnectionAsync();
        await new NpgsqlCommand("SET enable_seqscan = off", connection).ExecuteNonQueryAsync();
        await using var plan = new NpgsqlCommand(
            "EXPLAIN SELECT * FROM scans WHERE NOT withdrawn AND (decided_at, scan_id, gate_id) < (now(), gen_random_uuid(), gen_random_uuid()) " +
            "ORDER BY decided_at DESC, scan_id DESC, gate_id DESC LIMIT 50", connection);
        var lines = new List<string>();
        await using (var reader = await plan.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        }
        Assert.DoesNotContain(lines, l => l.Contains("Sort", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Index Scan Backward using", StringComparison.Ordinal) && l.Contains("pkey", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ScansArchivedBeforeLateUploadsWereFlaggedReadAsLiveScans()
    {
        await using var dataSource = await FreshDatabaseAsync();
        await ApplyScriptsUpToAsync(dataSource, 6);
        var old = new[] { Scan(Now), Scan(Now.AddDays(-1), allowed: false) };
        await InsertIntoAnOlderSchemaAsync(dataSource, old);

        Assert.Equal(["0007_late_uploads.sql", "0008_withdrawn_scans.sql", "0009_scan_key_in_time_order.sql", "0010_trusted_cities.sql", "0011_offline_decisions.sql", "0012_cases.sql", "0013_operator_disabled.sql", "0014_status_drafts.sql", "0015_appeals.sql", "0016_issuer_key_sets.sql", "0017_tickets.sql", "0018_estates.sql", "0019_scan_minutes.sql", "0020_scan_minute_deltas.sql", "0021_identify.sql", "0022_citizens_changed_at.sql", "0023_citizens_changed_xact.sql"], await Migrator(dataSource).MigrateAsync(CancellationToken.None));

        var after = new PostgresScanStore(dataSource);
        Assert.All(old, r => Assert.False(r.LateUpload));
        Assert.Equal(old, await after.QueryAsync(new ScanQuery(), CancellationToken.None));
        var late = Scan(Now.AddMinutes(1)) with { ScannedAt = Now.AddDays(-2), LateUpload = true };
        Assert.Equal(1, await after.InsertAsync([late], CancellationToken.None));
        Assert.Equal(late, await after.GetAsync(late.GateId, late.ScanId, DateTimeOffset.MinValue, CancellationToken.None));
    }

    [Fact]
    public async Task ScansArchivedBeforeWithdrawalsReadAsTheyWereAndCanBeWithdrawnAfter()
    {
        await using var dataSource = await FreshDatabaseAsync();
        await ApplyScriptsUpToAsync(dataSource, 7);
        var old = new[] { Scan(Now), Scan(Now.AddMinutes(-1)) };
        await InsertIntoAnOlderSchemaAsync(dataSource, old);

        Assert.Equal(["0008_withdrawn_scans.sql", "0009_scan_key_in_time_order.sql", "0010_trusted_cities.sql", "0011_offline_decisions.sql", "0012_cases.sql", "0013_operator_disabled.sql", "0014_status_drafts.sql", "0015_appeals.sql", "0016_issuer_key_sets.sql", "0017_tickets.sql", "0018_estates.sql", "0019_scan_minutes.sql", "0020_scan_minute_deltas.sql", "0021_identify.sql", "0022_citizens_changed_at.sql", "0023_citizens_changed_xact.sql"], await Migrator(dataSource).MigrateAsync(CancellationToken.None));

        var after = new PostgresScanStore(dataSource);
        Assert.Equal(old, await after.QueryAsync(new ScanQuery(), CancellationToken.None));
        Assert.Equal(1, await after.InsertAsync([old[0] with { Withdrawn = true }], CancellationToken.None));
        Assert.Equal([old[1]], await after.QueryAsync(new ScanQuery(), CancellationToken.None));
    }

    [Fact]
    public async Task ScansArchivedBeforeOfflineDecisionsReadWithoutOneAndJournalScansKeepTheirs()
    {
        await using var dataSource = await FreshDatabaseAsync();
        await ApplyScriptsUpToAsync(dataSource, 10);
        var old = new[] { Scan(Now), Scan(Now.AddMinutes(-1), allowed: false) };
        await InsertIntoAnOlderSchemaAsync(dataSource, old);

        Assert.Equal(["0011_offline_decisions.sql", "0012_cases.sql", "0013_operator_disabled.sql", "0014_status_drafts.sql", "0015_appeals.sql", "0016_issuer_key_sets.sql", "0017_tickets.sql", "0018_estates.sql", "0019_scan_minutes.sql", "0020_scan_minute_deltas.sql", "0021_identify.sql", "0022_citizens_changed_at.sql", "0023_citizens_changed_xact.sql"], await Migrator(dataSource).MigrateAsync(CancellationToken.None));

        var after = new PostgresScanStore(dataSource);
        Assert.Equal(old, await after.QueryAsync(new ScanQuery(), CancellationToken.None));
        Assert.Empty(await after.QueryAsync(new ScanQuery(Disagreements: true), CancellationToken.None));
        var journalled = Scan(Now.AddMinutes(1), gateId: old[1].GateId, allowed: false) with
        {
            ScannedAt = Now.AddHours(-1), LateUpload = true, Offline = new OfflineDecision(true, "allowed", Flagged: true),
        };
        Assert.Equal([null], await after.InsertOnceAsync([journalled], Now.AddHours(-2), CancellationToken.None));
        Assert.Equal([journalled], await after.QueryAsync(new ScanQuery(Disagreements: true), CancellationToken.None));
    }

    /// <summary>
    /// Archives records into a database from before late uploads (script 7), withdrawals (script 8) or offline decisions
    /// (script 11) were recorded as the release of its time did: today's store writes them through those columns, added
    /// for the moment where missing and dropped again.
    /// </summary>
    private static async Task<int> InsertIntoAnOlderSchemaAsync(NpgsqlDataSource dataSource, IReadOnlyList<ScanRecord> records)
    {
        var present = await ColumnsAsync(dataSource);
        var missing = new Dictionary<string, string>
        {
            ["late_upload"] = "boolean NOT NULL DEFAULT false",
            ["withdrawn"] = "boolean NOT NULL DEFAULT false",
            ["offline_allowed"] = "boolean",
            ["offline_code"] = "text",
            ["offline_flagged"] = "boolean",
        }.Where(c => !present.Contains(c.Key)).ToList();
        foreach (var (column, type) in missing) await dataSource.CreateCommand($"ALTER TABLE scans ADD COLUMN {column} {type}").ExecuteNonQueryAsync();
        // Today's insert also writes the roll-ups (0019; these few records upsert them, not 0020's deltas): a table for it
        // to write to, gone again with the columns.
        await dataSource.CreateCommand("CREATE TABLE scan_minutes (minute timestamptz, venue_id uuid, code text, direction smallint, scans integer, PRIMARY KEY (minute, venue_id, code, direction))")
            .ExecuteNonQueryAsync();
        var inserted = await new PostgresScanStore(dataSource).InsertAsync(records, CancellationToken.None);
        await dataSource.CreateCommand("DROP TABLE scan_minutes").ExecuteNonQueryAsync();
        foreach (var (column, _) in missing) await dataSource.CreateCommand($"ALTER TABLE scans DROP COLUMN {column}").ExecuteNonQueryAsync();
        return inserted;
    }

    private static async Task<HashSet<string>> ColumnsAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT column_name FROM information_schema.columns WHERE table_name = 'scans'");
        await using var reader = await command.ExecuteReaderAsync();
        var columns = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync()) columns.Add(reader.GetString(0));
        return columns;
    }

    [Fact]
    public async Task CitizensFromBeforeIdentifyReadWithoutABirthYearAndGetOneFromTheNextImport()
    {
        await using var dataSource = await FreshDatabaseAsync();
        await ApplyScriptsUpToAsync(dataSource, 19);
        var id = await InsertAnOldCitizenAsync(dataSource, "OLD-1", "+8613400000001");

        // The scripts after 19: 0020 is the scan roll-ups', 0021 Identify's.
        Assert.Equal(["0020_scan_minute_deltas.sql", "0021_identify.sql", "0022_citizens_changed_at.sql", "0023_citizens_changed_xact.sql"], await Migrator(dataSource).MigrateAsync(CancellationToken.None));

        var citizens = new PostgresCitizenStore(dataSource);
        Assert.Null((await citizens.GetAsync(id, CancellationToken.None))!.BirthYear);
        var imported = (await citizens.UpsertManyAsync([new CitizenDraft("OLD-1", "+8613400000001", "Old Timer", Credentials.None, 1940)], Now, CancellationToken.None)).Single();
        Assert.Equal((UpsertOutcome.Updated, (int?)1940), (imported.Outcome, imported.Citizen.BirthYear));
        Assert.Empty(await new PostgresIdentityStore(dataSource).ConsentsOfAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task CitizensFromBeforeTheChangeStampAreLeftToTheFullPassUntilTheirNextWrite()
    {
        await using var dataSource = await FreshDatabaseAsync();
        await ApplyScriptsUpToAsync(dataSource, 21);
        var id = await InsertAnOldCitizenAsync(dataSource, "OLD-2", "+8613400000002");

        Assert.Equal(["0022_citizens_changed_at.sql", "0023_citizens_changed_xact.sql"], await Migrator(dataSource).MigrateAsync(CancellationToken.None));

        // Stamped as changed at the beginning of time: no pass over what changed since a moment sees it, the full one does.
        var citizens = new PostgresCitizenStore(dataSource);
        var before = DateTimeOffset.UtcNow.AddMinutes(-5);
        Assert.Equal([(id, DateTimeOffset.MinValue)], (await citizens.ListChangedAsync(DateTimeOffset.MinValue, null, null, 10, CancellationToken.None)).Select(c => (c.Citizen.Id, c.ChangedAt)));
        Assert.Empty(await citizens.ListChangedAsync(before, null, null, 10, CancellationToken.None));
        Assert.Equal([id], (await citizens.ListAsync(null, 10, CancellationToken.None)).Select(c => c.Id));

        // Its next write stamps it, whatever statement makes it: here an import's update.
        await citizens.UpsertManyAsync([new CitizenDraft("OLD-2", "+8613400000002", "Old Timer", Credentials.None, 1950)], Now, CancellationToken.None);
        var changed = Assert.Single(await citizens.ListChangedAsync(before, null, null, 10, CancellationToken.None));
        Assert.Equal(id, changed.Citizen.Id);
        Assert.InRange(changed.ChangedAt, before, DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task CitizensWrittenBeforeTheWriterWasStampedAreSkippedByNoHorizonUntilTheirNextWrite()
    {
        await using var dataSource = await FreshDatabaseAsync();
        await ApplyScriptsUpToAsync(dataSource, 22);
        var id = await InsertAnOldCitizenAsync(dataSource, "OLD-3", "+8613400000003");

        Assert.Equal(["0023_citizens_changed_xact.sql"], await Migrator(dataSource).MigrateAsync(CancellationToken.None));

        // No writer known: whatever the horizon, the pass pushes it.
        var citizens = new PostgresCitizenStore(dataSource);
        var before = DateTimeOffset.UtcNow.AddMinutes(-5);
        var beforeWrite = await citizens.ReadWriteHorizonAsync(CancellationToken.None);
        Assert.Equal([id], (await citizens.ListChangedAsync(before, long.MaxValue, null, 10, CancellationToken.None)).Select(c => c.Citizen.Id));

        // Its next write names its transaction, whatever statement makes it: listed from a horizon read before it, skipped
        // by the largest.
        await citizens.UpsertManyAsync([new CitizenDraft("OLD-3", "+8613400000003", "Old Timer", Credentials.None, 1950)], Now, CancellationToken.None);
        Assert.Equal([id], (await citizens.ListChangedAsync(before, beforeWrite, null, 10, CancellationToken.None)).Select(c => c.Citizen.Id));
        Assert.Empty(await citizens.ListChangedAsync(before, long.MaxValue, null, 10, CancellationToken.None));
    }

    /// <summary>A citizen as the columns every schema since 0001 has: what an older version imported.</summary>
    private static async Task<CitizenPseudonym> InsertAnOldCitizenAsync(NpgsqlDataSource dataSource, string externalId, string phone)
    {
        var id = CitizenPseudonym.NewRandom();
        await using var insert = dataSource.CreateCommand(
            "INSERT INTO citizens (id, external_id, phone, full_name, status_colour, status_version, status_reason, status_since, credentials, created_at) " +
            "VALUES ($1, $2, $3, 'Old Timer', 0, 1, 'initial', $4, 0, $4)");
        insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = PgUuid(id) });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = externalId });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = phone });
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = Now });
        await insert.ExecuteNonQueryAsync();
        return id;
    }

    private static Guid PgUuid(CitizenPseudonym id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.Write(bytes);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>A database as a release that knew the scripts up to <paramref name="version"/> left it.</summary>
    private static async Task ApplyScriptsUpToAsync(NpgsqlDataSource dataSource, int version)
    {
        await using var create = dataSource.CreateCommand(
            "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
        await create.ExecuteNonQueryAsync();
        foreach (var (v, name, sql) in PostgresMigrator.Scripts.Where(s => s.Version <= version))
        {
            await using (var apply = dataSource.CreateCommand(sql)) await apply.ExecuteNonQueryAsync();
            await using var record = dataSource.CreateCommand("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)");
            record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = v });
            record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            await record.ExecuteNonQueryAsync();
        }
    }

    /// <summary>The primary key columns, in order, of scans and of each of its partitions.</summary>
    private static async Task<List<(string, string)>> PrimaryKeysAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.relname, string_agg(a.attname, ',' ORDER BY k.ord)
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indrelid
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indisprimary AND c.relname LIKE 'scans%'
            GROUP BY c.relname ORDER BY c.relname
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<(string, string)>();
        while (await reader.ReadAsync()) keys.Add((reader.GetString(0), reader.GetString(1)));
        return keys;
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
