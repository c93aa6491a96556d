using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Server.Scans;
using CityPass.Server.Venues;
using Npgsql;

namespace CityPass.Server.Stores.Postgres;

/// <summary>
/// The scan archive in PostgreSQL: one partition per UTC day of decided_at (scans_pYYYYMMDD),
/// created before the first insert into that day and dropped whole by the retention purge. Every insert also adds what
/// it archived to the per-minute roll-ups, in its own statement: upserted into scan_minutes, or under load appended to
/// scan_minute_deltas for <see cref="PostgresScanMinuteFolder"/> to fold in (<see cref="ScansPerSecondForDeltas"/>); read by
/// <see cref="PostgresScanMinuteStore"/>.
/// </summary>
public sealed class PostgresScanStore(NpgsqlDataSource dataSource) : IScanStore
{
    private const string Columns = "scan_id, decided_at, scanned_at, gate_id, venue_id, direction, allowed, code, colour, display_name, citizen_id, issuer, token_id, late_upload, offline_allowed, offline_code, offline_flagged";
    private const string PartitionPrefix = "scans_p";

    private static readonly Dictionary<string, DecisionCode> CodesByName = Enum.GetValues<DecisionCode>().ToDictionary(c => c.ToCode(), StringComparer.Ordinal);

    // Days whose partition this process knows to exist, so the hot insert path needs no DDL round trip.
    private readonly ConcurrentDictionary<DateOnly, byte> _partitions = new();

    public async Task<int> InsertAsync(IReadOnlyList<ScanRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0) return 0;
        await EnsurePartitionsAsync(records, cancellationToken);
        try
        {
            return await InsertRowsAsync(records, cancellationToken);
        }
        catch (PostgresException e) when (IsMissingPartition(e))
        {
            // Another replica's purge dropped a day this process still had cached.
            _partitions.Clear();
            await EnsurePartitionsAsync(records, cancellationToken);
            return await InsertRowsAsync(records, cancellationToken);
        }
    }

    // Routing a row to no partition is a check violation on the parent table with no constraint named
    // (a CHECK constraint's violation names its constraint): told apart by fields, not by message text.
    private static bool IsMissingPartition(PostgresException e) =>
        e.SqlState == PostgresErrorCodes.CheckViolation && e.ConstraintName is null && e.TableName == "scans";

    private async Task<int> InsertRowsAsync(IReadOnlyList<ScanRecord> records, CancellationToken cancellationToken)
    {
        // Redelivered records conflict on the key (scan_id, gate_id, decided_at) and are skipped; another gate's
        // record with the same scan id does not conflict.
        if (!records.Any(r => r.Withdrawn))
        {
            // A round is nearly always new rows only, so it goes first as a plain insert, which checks the key while it
            // adds each row to the key's index. ON CONFLICT costs more on every row: it probes the key first, inserts
            // speculatively (a lock on a token) and then confirms the row (one more WAL record): 1 µs of the 9 a row
            // costs PostgreSQL, and 48 of its 805 bytes of WAL (loadtests/results/20261204-213355-archive-indexes, B and P).
            // A redelivery fails the plain insert whole, so nothing of it is kept, and the round goes again skipping
            // what is there.
            try
            {
                return await ExecuteInsertAsync(records, skipExisting: false, cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.TableName?.StartsWith(PartitionPrefix, StringComparison.Ordinal) == true)
            {
                return await ExecuteInsertAsync(records, skipExisting: true, cancellationToken);
            }
        }

        // One row per key (a record and its withdrawal in the same batch leave the withdrawal; redelivered copies of a
        // record are identical). A withdrawal flags the row of its key, whichever came first (a record after its
        // withdrawal is skipped as a redelivery). Two statements in one transaction, so the roll-ups know which rows a
        // withdrawal inserted (count nothing) and which it flagged (count -1): the first inserts what is new; the second,
        // with a snapshot taken after the first (which waited for any archiver inserting the same key), flags the rows
        // the withdrawals met, once (not if already flagged).
        records = [.. records.GroupBy(r => (r.ScanId, r.GateId, r.DecidedAt)).Select(g => g.FirstOrDefault(r => r.Withdrawn) ?? g.First())];
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var inserted = new HashSet<(Guid, Guid, DateTime)>();
        await using (var insert = new NpgsqlCommand(null, connection, transaction))
        {
            PrepareInsert(insert, records, returnWithdrawals: true);
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) inserted.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetDateTime(2)));
        }
        var flags = records.Where(r => r.Withdrawn && !inserted.Contains((r.ScanId, r.GateId, PgValues.ToStored(r.DecidedAt).UtcDateTime))).ToList();
        var flagged = 0;
        if (flags.Count > 0)
        {
            await using var flag = new NpgsqlCommand($"""
                WITH flagged AS (
                    UPDATE scans s SET withdrawn = true
                    FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS k(scan_id, gate_id, decided_at)
                    WHERE s.scan_id = k.scan_id AND s.gate_id = k.gate_id AND s.decided_at = k.decided_at AND NOT s.withdrawn
                    RETURNING s.decided_at, s.venue_id, s.code, s.direction, -1 AS delta
                ){RollUp("flagged", flags)}
                SELECT count(*)::int FROM flagged
                """, connection, transaction);
            flag.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. flags.Select(r => r.ScanId)] });
            flag.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. flags.Select(r => r.GateId)] });
            flag.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. flags.Select(r => PgValues.ToStored(r.DecidedAt).UtcDateTime)] });
            flagged = (int)(await flag.ExecuteScalarAsync(cancellationToken))!;
        }
        await transaction.CommitAsync(cancellationToken);
        return inserted.Count + flagged;
    }

    /// <summary>
    /// Statements whose records were decided at more than this many a second (over their span of decided_at) append
    /// their roll-ups as deltas (<see cref="AppendedRollUp"/>); sparser ones upsert them (<see cref="UpsertedRollUp"/>).
    /// Which costs less depends on how often the statements of one fold interval meet the same venue-minute again, and
    /// that grows with the scans' density in time. An archiver keeping up with a busy city sends a statement about every
    /// 100 ms, each over the same minute of the same venues: a fold sums their deltas into one upsert per roll-up row
    /// (the roll-ups' writes cost 55% less at 5,000 scans/s). In a quiet city, or a backlog of a quiet night drained in
    /// large statements, nearly every scan is a venue-minute of its own, and appending then folding costs more than
    /// upserting. At 500 a second a fold interval (10 s) has 5,000 scans: two or more for each roll-up row of a city the
    /// load runner's size (500 venues). The density is the statement's own, so the choice needs no state and replicas
    /// choose alike. loadtests/dashboard measures both at three densities (its report, "The roll-ups' writes alone").
    /// </summary>
    public const int ScansPerSecondForDeltas = 500;

    /// <summary>
    /// Below this span a statement's scans count as spread over it: one record, or a few decided in the same
    /// millisecond, are not a busy city. An archiver keeping up sends a statement about every 100 ms.
    /// </summary>
    private static readonly TimeSpan ShortestSpan = TimeSpan.FromMilliseconds(100);

    /// <summary>Whether <paramref name="records"/> are dense enough in time to append their roll-ups (<see cref="ScansPerSecondForDeltas"/>).</summary>
    public static bool AppendsDeltas(IReadOnlyList<ScanRecord> records)
    {
        if (records.Count == 0) return false;
        DateTimeOffset first = records[0].DecidedAt, last = first;
        foreach (var r in records)
        {
            if (r.DecidedAt < first) first = r.DecidedAt;
            if (r.DecidedAt > last) last = r.DecidedAt;
        }
        var span = Math.Max((last - first).TotalSeconds, ShortestSpan.TotalSeconds);
        return records.Count > ScansPerSecondForDeltas * span;
    }

    /// <summary>The CTE that adds the rows of <paramref name="source"/> to the roll-ups, as the records' density asks.</summary>
    private static string RollUp(string source, IReadOnlyList<ScanRecord> records) => AppendsDeltas(records) ? AppendedRollUp(source) : UpsertedRollUp(source);

    /// <summary>
    /// The rows of <paramref name="source"/> (decided_at, venue_id, code, direction, delta) summed per minute, venue,
    /// outcome and direction, appended to scan_minute_deltas: no lookup and no row lock, so archivers never wait for each
    /// other here; <see cref="PostgresScanMinuteFolder"/> folds them into scan_minutes (migration 0020).
    /// </summary>
    private static string AppendedRollUp(string source) => $"""
        , rolled AS (
            INSERT INTO scan_minute_deltas (minute, venue_id, code, direction, scans)
            SELECT date_trunc('minute', decided_at, 'UTC'), venue_id, code, direction, sum(delta) FROM {source}
            GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0
        )
        """;

    /// <summary>
    /// The same sums upserted into scan_minutes directly, in key order, so two statements (or a statement and a fold)
    /// upserting the same minutes take their row locks in one order.
    /// </summary>
    private static string UpsertedRollUp(string source) => $"""
        , rolled AS (
            INSERT INTO scan_minutes (minute, venue_id, code, direction, scans)
            SELECT date_trunc('minute', decided_at, 'UTC'), venue_id, code, direction, sum(delta) FROM {source}
            GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0 ORDER BY 1, 2, 3, 4
            ON CONFLICT (minute, venue_id, code, direction) DO UPDATE SET scans = scan_minutes.scans + excluded.scans
        )
        """;

    private async Task<int> ExecuteInsertAsync(IReadOnlyList<ScanRecord> records, bool skipExisting, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        PrepareInsert(command, records, skipExisting: skipExisting);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Makes <paramref name="command"/> the insert of <paramref name="records"/>: one statement, an array per column. With
    /// <paramref name="skipExisting"/> a row whose key is there already is skipped; without, it fails the statement.
    /// </summary>
    private static void PrepareInsert(NpgsqlCommand command, IReadOnlyList<ScanRecord> records, bool skipExisting = true, bool returnWithdrawals = false)
    {
        var n = records.Count;
        var scanIds = new Guid[n];
        var decidedAt = new DateTime[n];
        var scannedAt = new DateTime[n];
        var gateIds = new Guid[n];
        var venueIds = new Guid[n];
        var directions = new short[n];
        var allowed = new bool[n];
        var codes = new string[n];
        var colours = new short[n];
        var displayNames = new string[n];
        var citizenIds = new Guid?[n];
        var issuers = new long[n];
        var tokenIds = new Guid[n];
        var lateUploads = new bool[n];
        var offlineAllowed = new bool?[n];
        var offlineCodes = new string?[n];
        var offlineFlagged = new bool?[n];
        var withdrawn = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var r = records[i];
            scanIds[i] = r.ScanId;
            decidedAt[i] = PgValues.ToStored(r.DecidedAt).UtcDateTime;
            scannedAt[i] = PgValues.ToStored(r.ScannedAt).UtcDateTime;
            gateIds[i] = r.GateId;
            venueIds[i] = r.VenueId;
            directions[i] = (short)r.Direction;
            allowed[i] = r.Allowed;
            codes[i] = r.Code.ToCode();
            colours[i] = (short)r.Colour;
            displayNames[i] = r.DisplayName;
            citizenIds[i] = r.CitizenId is { } c ? PgValues.ToUuid(c.Value) : null;
            issuers[i] = r.Issuer.Code;
            tokenIds[i] = PgValues.ToUuid(r.TokenId.Value);
            lateUploads[i] = r.LateUpload;
            offlineAllowed[i] = r.Offline?.Allowed;
            offlineCodes[i] = r.Offline?.Code;
            offlineFlagged[i] = r.Offline?.Flagged;
            withdrawn[i] = r.Withdrawn;
        }

        // The roll-ups are fed by what the insert returns, in the same statement (so the same transaction): a row it skipped
        // as a redelivery returns nothing and counts nothing. An inserted withdrawal counts nothing either: its record
        // then never counts. With returnWithdrawals the statement reads the keys of the rows it inserted, else their number
        // (and returns only what the roll-ups read: each column returned is copied once per row).
        command.CommandText = $"""
            WITH archived AS (
                INSERT INTO scans ({Columns}, withdrawn)
                SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::uuid[], $5::uuid[], $6::smallint[], $7::boolean[],
                                     $8::text[], $9::smallint[], $10::text[], $11::uuid[], $12::bigint[], $13::uuid[], $14::boolean[],
                                     $15::boolean[], $16::text[], $17::boolean[], $18::boolean[])
                {(skipExisting ? "ON CONFLICT DO NOTHING" : "")}
                RETURNING {(returnWithdrawals ? "scan_id, gate_id, " : "")}decided_at, venue_id, code, direction, CASE WHEN withdrawn THEN 0 ELSE 1 END AS delta
            ){RollUp("archived", records)}
            {(returnWithdrawals ? "SELECT scan_id, gate_id, decided_at FROM archived" : "SELECT count(*)::int FROM archived")}
            """;
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = scanIds });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = decidedAt });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = scannedAt });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = gateIds });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = venueIds });
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = directions });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = allowed });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = codes });
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = colours });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = displayNames });
        command.Parameters.Add(new NpgsqlParameter<Guid?[]> { TypedValue = citizenIds });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = issuers });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = tokenIds });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = lateUploads });
        command.Parameters.Add(new NpgsqlParameter<bool?[]> { TypedValue = offlineAllowed });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = offlineCodes });
        command.Parameters.Add(new NpgsqlParameter<bool?[]> { TypedValue = offlineFlagged });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = withdrawn });
    }

    /// <summary>
    /// One transaction under the gate's advisory lock: a second upload of the same journal (another replica, the same
    /// moment) waits for this one and then finds its rows. One lookup for the whole batch, through scans_by_gate,
    /// bounded in time; one insert of what is new.
    /// </summary>
    public async Task<IReadOnlyList<ScanRecord?>> InsertOnceAsync(IReadOnlyList<ScanRecord> records, DateTimeOffset decidedFrom, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        var scanIds = records.Select(r => r.ScanId).ToArray();
        var gateId = records.Count > 0 ? records[0].GateId : Guid.Empty;
        if (scanIds.Distinct().Count() != records.Count || records.Any(r => r.GateId != gateId)) throw new ArgumentException("The records are of one gate, with distinct scan ids.", nameof(records));
        if (records.Count == 0) return [];
        await EnsurePartitionsAsync(records, cancellationToken);
        try
        {
            return await InsertOnceInTransactionAsync(records, gateId, scanIds, decidedFrom, cancellationToken);
        }
        catch (PostgresException e) when (IsMissingPartition(e))
        {
            // Another replica's purge dropped a day this process still had cached: the transaction did nothing.
            _partitions.Clear();
            await EnsurePartitionsAsync(records, cancellationToken);
            return await InsertOnceInTransactionAsync(records, gateId, scanIds, decidedFrom, cancellationToken);
        }
    }

    private async Task<IReadOnlyList<ScanRecord?>> InsertOnceInTransactionAsync(IReadOnlyList<ScanRecord> records, Guid gateId, Guid[] scanIds,
        DateTimeOffset decidedFrom, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var archived = new Dictionary<Guid, ScanRecord>();
        // Two statements in one round trip: the lookup's snapshot is taken once the lock is held, so it sees whatever the
        // call that held it before committed.
        await using (var lookup = new NpgsqlBatch(connection, transaction))
        {
            var lockGate = new NpgsqlBatchCommand($"SELECT pg_advisory_xact_lock({AdvisoryLocks.GateJournal}, $1)");
            lockGate.Parameters.Add(new NpgsqlParameter<int> { TypedValue = AdvisoryLocks.GateKey(gateId) });
            var find = new NpgsqlBatchCommand($"""
                SELECT DISTINCT ON (scan_id) {Columns} FROM scans
                WHERE gate_id = $1 AND decided_at >= $2 AND scan_id = ANY($3) AND NOT withdrawn
                ORDER BY scan_id, decided_at DESC
                """);
            find.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = gateId });
            find.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = decidedFrom.ToUniversalTime() });
            find.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = scanIds });
            lookup.BatchCommands.Add(lockGate);
            lookup.BatchCommands.Add(find);
            await using var reader = await lookup.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var r = Read(reader);
                archived[r.ScanId] = r;
            }
        }

        var existing = records.Select(r => archived.GetValueOrDefault(r.ScanId)).ToArray();
        var fresh = records.Where(r => !archived.ContainsKey(r.ScanId)).ToList();
        if (fresh.Count > 0)
        {
            await using var insert = new NpgsqlCommand(null, connection, transaction);
            PrepareInsert(insert, fresh);
            await insert.ExecuteScalarAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return existing;
    }

    private async Task EnsurePartitionsAsync(IReadOnlyList<ScanRecord> records, CancellationToken cancellationToken)
    {
        var missing = records.Select(r => DayOf(r.DecidedAt)).Distinct().Where(d => !_partitions.ContainsKey(d)).ToList();
        if (missing.Count == 0) return;
        // Replicas may meet a new day together: the lock makes CREATE ... IF NOT EXISTS race-free.
        var sql = new StringBuilder($"SELECT pg_advisory_xact_lock({AdvisoryLocks.ScanPartitions});");
        foreach (var day in missing)
        {
            sql.Append(CultureInfo.InvariantCulture, $"""
                CREATE TABLE IF NOT EXISTS {PartitionName(day)} PARTITION OF scans
                    FOR VALUES FROM ('{day:yyyy-MM-dd} 00:00:00+00') TO ('{day.AddDays(1):yyyy-MM-dd} 00:00:00+00');
                """);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(sql.ToString(), connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        foreach (var day in missing) _partitions.TryAdd(day, 0);
    }

    public async Task<IReadOnlyList<ScanRecord>> QueryAsync(ScanQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var command = dataSource.CreateCommand();
        var where = new StringBuilder("NOT withdrawn");
        string Parameter(object value)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
            return "$" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
        }
        if (query.VenueId is { } venue) where.Append(" AND venue_id = ").Append(Parameter(venue));
        if (query.CitizenId is { } citizen) where.Append(" AND citizen_id = ").Append(Parameter(PgValues.ToUuid(citizen.Value)));
        if (query.GateId is { } gate) where.Append(" AND gate_id = ").Append(Parameter(gate));
        if (query.From is { } from) where.Append(" AND decided_at >= ").Append(Parameter(from.ToUniversalTime()));
        if (query.To is { } to) where.Append(" AND decided_at < ").Append(Parameter(to.ToUniversalTime()));
        if (query.Allowed is { } allowed) where.Append(" AND allowed = ").Append(Parameter(allowed));
        // The predicate of scans_disagreements_by_venue: a row without an offline decision compares to null, so is left out.
        if (query.Disagreements) where.Append(" AND offline_allowed <> allowed");
        if (query.Before is { } before)
        {
            // uuid compares bytewise in RFC order, the same order as ScanCursor.CompareIds.
            where.Append(" AND (decided_at, scan_id, gate_id) < (").Append(Parameter(before.DecidedAt.ToUniversalTime())).Append(", ")
                .Append(Parameter(before.ScanId)).Append(", ").Append(Parameter(before.GateId)).Append(')');
        }
        command.CommandText = $"SELECT {Columns} FROM scans WHERE {where} ORDER BY decided_at DESC, scan_id DESC, gate_id DESC LIMIT {Math.Clamp(query.Limit, 1, 1000)}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<ScanRecord>();
        while (await reader.ReadAsync(cancellationToken)) records.Add(Read(reader));
        return records;
    }

    public async Task<ScanRecord?> GetAsync(Guid gateId, Guid scanId, DateTimeOffset decidedFrom, CancellationToken cancellationToken)
    {
        // Through scans_by_gate (gate_id, decided_at, scan_id): scan_id is checked in the index, decided_at prunes partitions.
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM scans WHERE gate_id = $1 AND scan_id = $2 AND decided_at >= $3 AND NOT withdrawn ORDER BY decided_at DESC LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = gateId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = scanId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = decidedFrom.ToUniversalTime() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<long> CountAsync(Guid? venueId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(venueId is null ? "SELECT count(*) FROM scans WHERE NOT withdrawn" : "SELECT count(*) FROM scans WHERE venue_id = $1 AND NOT withdrawn");
        if (venueId is { } v) command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = v });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The statement of <see cref="GateClocksAsync"/> ($1 gate ids, $2 since); public so a test can check its plan.</summary>
    public const string GateClocksSql = """
        SELECT g.id, live.scanned_at, live.decided_at, late.decided_at
        FROM unnest($1::uuid[]) AS g(id)
        LEFT JOIN LATERAL (SELECT scanned_at, decided_at FROM scans WHERE gate_id = g.id AND decided_at >= $2 AND NOT late_upload AND NOT withdrawn
                           ORDER BY decided_at DESC LIMIT 1) live ON TRUE
        LEFT JOIN LATERAL (SELECT decided_at FROM scans WHERE gate_id = g.id AND decided_at >= $2 AND late_upload AND NOT withdrawn
                           ORDER BY decided_at DESC LIMIT 1) late ON TRUE
        WHERE live.decided_at IS NOT NULL OR late.decided_at IS NOT NULL
        """;

    /// <summary>
    /// Per gate, its newest live scan and its newest late upload since the cutoff: each a LIMIT 1 on an index by gate
    /// and time (the gate's own, and the partial one of late uploads), so a busy gate costs no more than a quiet one.
    /// </summary>
    public async Task<IReadOnlyList<GateClock>> GateClocksAsync(IReadOnlyCollection<Guid> gateIds, DateTimeOffset since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gateIds);
        if (gateIds.Count == 0) return [];
        await using var command = dataSource.CreateCommand(GateClocksSql);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = gateIds.Distinct().ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = since.ToUniversalTime() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var clocks = new List<GateClock>();
        while (await reader.ReadAsync(cancellationToken))
        {
            TimeSpan? drift = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(1) - reader.GetFieldValue<DateTimeOffset>(2);
            clocks.Add(new GateClock(reader.GetGuid(0), drift, reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3))
            {
                LastLiveScanAt = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
            });
        }
        return clocks;
    }

    /// <summary>Drops the partitions of days that end at or before the cutoff, then deletes what is older in the cutoff's own day.</summary>
    public async Task<long> PurgeBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        cutoff = cutoff.ToUniversalTime();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var expired = new List<(DateOnly Day, string Name)>();
        await using (var list = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock({AdvisoryLocks.ScanPartitions});
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'scans'::regclass
            """, connection, transaction))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var name = reader.GetString(0);
                if (TryParsePartition(name, out var day) && new DateTimeOffset(day.AddDays(1), TimeOnly.MinValue, TimeSpan.Zero) <= cutoff) expired.Add((day, name));
            }
        }

        long removed = 0;
        if (expired.Count > 0)
        {
            await using var count = new NpgsqlCommand(
                "SELECT " + string.Join(" + ", expired.Select(p => $"(SELECT count(*) FROM {p.Name})")) + "; DROP TABLE " + string.Join(", ", expired.Select(p => p.Name)),
                connection, transaction);
            removed += (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }
        await using (var delete = new NpgsqlCommand("DELETE FROM scans WHERE decided_at < $1", connection, transaction))
        {
            delete.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = cutoff });
            removed += await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        // The roll-ups go with their scans: whole minutes before the cutoff's own, folded or not.
        await using (var minutes = new NpgsqlCommand("""
            WITH deltas AS (DELETE FROM scan_minute_deltas WHERE minute < date_trunc('minute', $1, 'UTC'))
            DELETE FROM scan_minutes WHERE minute < date_trunc('minute', $1, 'UTC')
            """, connection, transaction))
        {
            minutes.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = cutoff });
            await minutes.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        foreach (var (day, _) in expired) _partitions.TryRemove(day, out _);
        return removed;
    }

    private static DateOnly DayOf(DateTimeOffset at) => DateOnly.FromDateTime(PgValues.ToStored(at).UtcDateTime);

    private static string PartitionName(DateOnly day) => PartitionPrefix + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static bool TryParsePartition(string name, out DateOnly day)
    {
        day = default;
        return name.StartsWith(PartitionPrefix, StringComparison.Ordinal)
            && DateOnly.TryParseExact(name.AsSpan(PartitionPrefix.Length), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
    }

    private static ScanRecord Read(NpgsqlDataReader r) => new(
        r.GetGuid(0),
        r.GetGuid(3),
        r.GetGuid(4),
        (ScanDirection)r.GetInt16(5),
        r.GetBoolean(6),
        CodesByName[r.GetString(7)],
        (StatusColour)r.GetInt16(8),
        r.GetString(9),
        r.IsDBNull(10) ? null : new CitizenPseudonym(PgValues.FromUuid(r.GetGuid(10))),
        new IssuerId(checked((uint)r.GetInt64(11))),
        new TokenId(PgValues.FromUuid(r.GetGuid(12))),
        r.GetFieldValue<DateTimeOffset>(2),
        r.GetFieldValue<DateTimeOffset>(1),
        r.GetBoolean(13))
    {
        Offline = r.IsDBNull(14) ? null : new OfflineDecision(r.GetBoolean(14), r.GetString(15), r.GetBoolean(16)),
    };
}
