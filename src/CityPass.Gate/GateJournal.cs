using System.Globalization;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using Microsoft.Data.Sqlite;

namespace CityPass.Gate;

/// <summary>One decision as the gate journalled it. <see cref="Text"/> is the scanned pass, kept only until the server has it.</summary>
public sealed record JournalEntry(
    long Seq, Guid ScanId, string Text, ScanDirection Direction, DateTimeOffset ScannedAt, DecisionMode Mode, bool Allowed, string Code, bool Flagged);

/// <summary>The server's answer to one uploaded entry (<c>POST /v1/gates/me/journal</c>).</summary>
public sealed record JournalResult(Guid ScanId, string Status, string Decision, string Code, bool Disagrees);

/// <summary>
/// The gate's durable memory, a SQLite file in its state directory: every decision (offline ones with the pass text,
/// until uploaded), the token ids it let in (so a pass is not used twice while the server is away) and small state
/// (the bundle, the clock drift). WAL with synchronous=FULL: a row is on disk when <see cref="Record"/> returns, before the
/// door opens, so a power cut or a SIGKILL loses no decision. One connection behind a lock: a door decides one scan at a
/// time, and the background sync and bundle refresh wait their turn for a few milliseconds.
/// </summary>
public sealed class GateJournal : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _lock = new();

    private GateJournal(SqliteConnection db) => _db = db;

    public static GateJournal Open(string path)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        db.Open();
        Execute(db, """
            pragma journal_mode = wal;
            pragma synchronous = full;
            pragma busy_timeout = 5000;
            create table if not exists scans (
                seq integer primary key autoincrement,
                scan_id text not null unique,
                text text not null,
                direction text not null,
                scanned_at text not null,
                mode text not null,
                allowed integer not null,
                code text not null,
                flagged integer not null,
                uploaded integer not null default 0,
                server_status text,
                server_decision text,
                server_code text,
                disagrees integer);
            create index if not exists scans_to_upload on scans (seq) where mode = 'offline' and uploaded = 0;
            create table if not exists seen_tokens (token_id text primary key, expires_at integer not null);
            create table if not exists state (key text primary key, value text not null);
            """);
        return new GateJournal(db);
    }

    /// <summary>
    /// Writes a decision, and for an allowed entry the pass's token id until <paramref name="tokenExpiresAt"/>, in one
    /// transaction that is on disk when this returns. An online decision keeps no pass text: the server has the scan.
    /// </summary>
    public void Record(JournalEntry entry, TokenId? allowedToken = null, DateTimeOffset tokenExpiresAt = default)
    {
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            using (var insert = _db.CreateCommand())
            {
                insert.Transaction = tx;
                insert.CommandText = """
                    insert into scans (scan_id, text, direction, scanned_at, mode, allowed, code, flagged, uploaded)
                    values ($scan, $text, $direction, $at, $mode, $allowed, $code, $flagged, $uploaded)
                    """;
                insert.Parameters.AddWithValue("$scan", entry.ScanId.ToString());
                insert.Parameters.AddWithValue("$text", entry.Mode == DecisionMode.Offline ? entry.Text : "");
                insert.Parameters.AddWithValue("$direction", entry.Direction == ScanDirection.Out ? "out" : "in");
                insert.Parameters.AddWithValue("$at", entry.ScannedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
                insert.Parameters.AddWithValue("$mode", entry.Mode == DecisionMode.Offline ? "offline" : "online");
                insert.Parameters.AddWithValue("$allowed", entry.Allowed ? 1 : 0);
                insert.Parameters.AddWithValue("$code", entry.Code);
                insert.Parameters.AddWithValue("$flagged", entry.Flagged ? 1 : 0);
                insert.Parameters.AddWithValue("$uploaded", entry.Mode == DecisionMode.Offline ? 0 : 1);
                insert.ExecuteNonQuery();
            }
            if (allowedToken is { } token) MarkSeen(tx, token, tokenExpiresAt);
            tx.Commit();
        }
    }

    /// <summary>Whether this pass already opened this gate's entry and is still within its life.</summary>
    public bool WasSeen(TokenId token, DateTimeOffset now)
    {
        lock (_lock)
        {
            using var query = _db.CreateCommand();
            query.CommandText = "select 1 from seen_tokens where token_id = $token and expires_at > $now";
            query.Parameters.AddWithValue("$token", token.ToString());
            query.Parameters.AddWithValue("$now", now.ToUnixTimeSeconds());
            return query.ExecuteScalar() is not null;
        }
    }

    /// <summary>The oldest offline decisions the server does not have yet, in the order they were made.</summary>
    public IReadOnlyList<JournalEntry> ToUpload(int limit)
    {
        lock (_lock)
        {
            using var query = _db.CreateCommand();
            query.CommandText = """
                select seq, scan_id, text, direction, scanned_at, mode, allowed, code, flagged from scans
                where mode = 'offline' and uploaded = 0 order by seq limit $limit
                """;
            query.Parameters.AddWithValue("$limit", limit);
            using var reader = query.ExecuteReader();
            var entries = new List<JournalEntry>();
            while (reader.Read())
            {
                entries.Add(new JournalEntry(
                    reader.GetInt64(0), Guid.Parse(reader.GetString(1)), reader.GetString(2), reader.GetString(3) == "out" ? ScanDirection.Out : ScanDirection.In,
                    DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind), DecisionMode.Offline,
                    reader.GetInt64(6) == 1, reader.GetString(7), reader.GetInt64(8) == 1));
            }
            return entries;
        }
    }

    /// <summary>Keeps the server's answers and drops the pass texts: what the server has, the gate no longer needs to hold.</summary>
    public void MarkUploaded(IReadOnlyList<JournalResult> results)
    {
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            using var update = _db.CreateCommand();
            update.Transaction = tx;
            update.CommandText = """
                update scans set uploaded = 1, text = '', server_status = $status, server_decision = $decision, server_code = $code, disagrees = $disagrees
                where scan_id = $scan
                """;
            var scan = update.Parameters.Add("$scan", SqliteType.Text);
            var status = update.Parameters.Add("$status", SqliteType.Text);
            var decision = update.Parameters.Add("$decision", SqliteType.Text);
            var code = update.Parameters.Add("$code", SqliteType.Text);
            var disagrees = update.Parameters.Add("$disagrees", SqliteType.Integer);
            foreach (var r in results)
            {
                scan.Value = r.ScanId.ToString();
                status.Value = r.Status;
                decision.Value = r.Decision;
                code.Value = r.Code;
                disagrees.Value = r.Disagrees ? 1 : 0;
                update.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    /// <summary>Offline decisions not yet uploaded.</summary>
    public long Backlog() => Scalar("select count(*) from scans where mode = 'offline' and uploaded = 0");

    /// <summary>Uploaded offline decisions the server disagreed with (for the gate's status; the operator sees them in the scan log).</summary>
    public long Disagreements() => Scalar("select count(*) from scans where disagrees = 1");

    public long Count() => Scalar("select count(*) from scans");

    /// <summary>Forgets token ids past their life and uploaded rows older than <paramref name="keepUploaded"/>.</summary>
    public void Prune(DateTimeOffset now, TimeSpan keepUploaded)
    {
        lock (_lock)
        {
            using var delete = _db.CreateCommand();
            delete.CommandText = """
                delete from seen_tokens where expires_at <= $now;
                delete from scans where uploaded = 1 and scanned_at < $before;
                """;
            delete.Parameters.AddWithValue("$now", now.ToUnixTimeSeconds());
            delete.Parameters.AddWithValue("$before", (now - keepUploaded).ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            delete.ExecuteNonQuery();
        }
    }

    public string? GetState(string key)
    {
        lock (_lock)
        {
            using var query = _db.CreateCommand();
            query.CommandText = "select value from state where key = $key";
            query.Parameters.AddWithValue("$key", key);
            return query.ExecuteScalar() as string;
        }
    }

    public void SetState(IReadOnlyDictionary<string, string> values)
    {
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            using var upsert = _db.CreateCommand();
            upsert.Transaction = tx;
            upsert.CommandText = "insert into state (key, value) values ($key, $value) on conflict (key) do update set value = excluded.value";
            var key = upsert.Parameters.Add("$key", SqliteType.Text);
            var value = upsert.Parameters.Add("$value", SqliteType.Text);
            foreach (var (k, v) in values)
            {
                key.Value = k;
                value.Value = v;
                upsert.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    public void Dispose()
    {
        lock (_lock) _db.Dispose();
    }

    private void MarkSeen(SqliteTransaction tx, TokenId token, DateTimeOffset expiresAt)
    {
        using var insert = _db.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = "insert into seen_tokens (token_id, expires_at) values ($token, $expires) on conflict (token_id) do update set expires_at = max(expires_at, excluded.expires_at)";
        insert.Parameters.AddWithValue("$token", token.ToString());
        insert.Parameters.AddWithValue("$expires", expiresAt.ToUnixTimeSeconds());
        insert.ExecuteNonQuery();
    }

    private long Scalar(string sql)
    {
        lock (_lock)
        {
            using var query = _db.CreateCommand();
            query.CommandText = sql;
            return (long)query.ExecuteScalar()!;
        }
    }

    private static void Execute(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
