using System.Runtime.CompilerServices;
using System.Text;
using CityPass.Server.Audit;
using Npgsql;

namespace CityPass.Server.Stores.Postgres;

/// <summary>
/// The audit log in PostgreSQL. Every append (here and inside a status change) takes the same
/// transaction-level advisory lock before it reads the chain's head, so two appends can never both
/// extend the same entry: the chain is a line, whatever the number of replicas.
/// </summary>
public sealed class PostgresAuditLog(NpgsqlDataSource dataSource) : IAuditLog
{
    private const string Columns = "sequence, at, actor, action, subject, before, after, reason, case_ref, previous_hash, hash";

    public async Task<AuditEntry> AppendAsync(AuditDraft draft, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var entry = await AppendAsync(connection, transaction, draft, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return entry;
    }

    /// <summary>Appends inside the caller's transaction; the chain stays locked until it commits or rolls back.</summary>
    internal static async Task<AuditEntry> AppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditDraft draft, CancellationToken cancellationToken)
    {
        // The hash covers At as stored, so it is cut to timestamptz's precision first.
        draft = draft with { At = PgValues.ToStored(draft.At) };
        long sequence = 1;
        var previous = AuditChain.Genesis;
        await using (var head = new NpgsqlCommand(
            $"SELECT pg_advisory_xact_lock({AdvisoryLocks.AuditChain}); SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1", connection, transaction))
        await using (var reader = await head.ExecuteReaderAsync(cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                sequence = reader.GetInt64(0) + 1;
                previous = reader.GetString(1);
            }
        }

        var entry = AuditChain.Seal(draft, sequence, previous);
        await using var insert = new NpgsqlCommand(
            $"INSERT INTO audit_log ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = entry.Sequence });
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = entry.At });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.Actor });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.Action });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.Subject });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.Before ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.After ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.Reason });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.CaseRef ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.PreviousHash });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.Hash });
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return entry;
    }

    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        var where = Where(command, query);
        command.CommandText = $"SELECT {Columns} FROM audit_log WHERE {where} ORDER BY sequence DESC LIMIT {Math.Clamp(query.Limit, 1, 1000)}";
        var entries = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) entries.Add(Read(reader));
        return entries;
    }

    public async Task<int> CountAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        var where = Where(command, query);
        // The limit inside: the count stops at it, so reaching a threshold costs at most that many index entries.
        command.CommandText = $"SELECT count(*) FROM (SELECT 1 FROM audit_log WHERE {where} ORDER BY sequence DESC LIMIT {Math.Clamp(query.Limit, 1, IAuditLog.MaxCount)}) matching";
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The query's filters as a WHERE clause, their values added to the command as parameters.</summary>
    private static StringBuilder Where(NpgsqlCommand command, AuditQuery query)
    {
        var where = new StringBuilder("TRUE");
        void Filter(object? value, string condition)
        {
            if (value is null) return;
            // Npgsql writes timestamptz from UTC values only.
            command.Parameters.Add(new NpgsqlParameter { Value = value is DateTimeOffset at ? at.ToUniversalTime() : value });
            where.Append(" AND ").Append(condition.Replace("?", "$" + command.Parameters.Count, StringComparison.Ordinal));
        }
        Filter(query.Subject, "subject = ?");
        Filter(query.Actor, "actor = ?");
        Filter(query.Action, "action = ?");
        Filter(query.CaseRef, "case_ref = ?");
        Filter(query.From, "at >= ?");
        Filter(query.To, "at < ?");
        Filter(query.BeforeSequence, "sequence < ?");
        return where;
    }

    public async IAsyncEnumerable<AuditEntry> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Pages by sequence, so a slow reader holds no connection or snapshot between pages.
        long after = 0;
        while (true)
        {
            var page = new List<AuditEntry>(1000);
            await using (var command = dataSource.CreateCommand($"SELECT {Columns} FROM audit_log WHERE sequence > $1 ORDER BY sequence LIMIT 1000"))
            {
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken)) page.Add(Read(reader));
            }
            foreach (var entry in page) yield return entry;
            if (page.Count < 1000) yield break;
            after = page[^1].Sequence;
        }
    }

    private static AuditEntry Read(NpgsqlDataReader r) => new(
        r.GetInt64(0),
        r.GetFieldValue<DateTimeOffset>(1),
        r.GetString(2),
        r.GetString(3),
        r.GetString(4),
        r.IsDBNull(5) ? null : r.GetString(5),
        r.IsDBNull(6) ? null : r.GetString(6),
        r.GetString(7),
        r.IsDBNull(8) ? null : r.GetString(8),
        r.GetString(9),
        r.GetString(10));
}
