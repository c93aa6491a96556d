namespace CityPass.Server.Stores.Postgres;

/// <summary>
/// Keys of the PostgreSQL advisory locks the stores take. They are shared by every replica, so they
/// are fixed numbers ("CP" + a short tag in ASCII), never derived from anything per process.
/// </summary>
internal static class AdvisoryLocks
{
    /// <summary>Held (session-level) while one replica applies migrations.</summary>
    public const long Migrations = 0x43505F4D494752;

    /// <summary>Held (transaction-level) while an audit entry is appended, so the chain never forks.</summary>
    public const long AuditChain = 0x43505F41554454;

    /// <summary>Held (transaction-level) while scan partitions are created or dropped.</summary>
    public const long ScanPartitions = 0x43505F5041525453;
}
