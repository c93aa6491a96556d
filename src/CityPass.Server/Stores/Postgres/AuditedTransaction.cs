using CityPass.Server.Audit;
using Npgsql;

namespace CityPass.Server.Stores.Postgres;

/// <summary>
/// A change of state and the audit entry that records it in one transaction (<see cref="AuditOf{T}"/>): if PostgreSQL
/// fails between the two, or the entry cannot be appended, the change rolls back with it. The change runs first and the
/// chain's lock is taken last (<see cref="PostgresAuditLog"/>), as in a status change: every audited write of the city
/// waits for that one lock, so it is held only for the final round trips, and no transaction waits for a row while
/// holding it.
/// </summary>
internal static class AuditedTransaction
{
    /// <summary>
    /// Runs <paramref name="change"/> and, when it changed something (not null), appends <paramref name="audit"/> of it
    /// in the same transaction, then commits. Null when nothing changed (nothing is audited).
    /// </summary>
    public static async Task<T?> RunAsync<T>(NpgsqlDataSource dataSource, Func<NpgsqlConnection, NpgsqlTransaction, Task<T?>> change, AuditOf<T> audit,
        CancellationToken cancellationToken) where T : class
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await change(connection, transaction) is not { } changed) return null;
        await PostgresAuditLog.AppendAsync(connection, transaction, audit(changed), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return changed;
    }
}
