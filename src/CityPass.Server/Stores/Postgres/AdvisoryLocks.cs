using System.Buffers.Binary;

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

    /// <summary>Held (transaction-level) while one replica folds the roll-ups' deltas into scan_minutes; the others skip.</summary>
    public const long ScanMinuteFold = 0x43505F464F4C44;

    /// <summary>
    /// The first key of the two-key (int, int) locks held (transaction-level) while one gate's journal is archived; the
    /// second is derived from the gate's id (<see cref="GateKey"/>). Two-key locks are a space apart from the one-key
    /// locks above. Two gates whose ids share the second key only wait for each other.
    /// </summary>
    public const int GateJournal = 0x43504A4E;

    /// <summary>
    /// The first key of the two-key locks held (transaction-level) while a push of one venue's tickets is applied, so two
    /// pushes of a venue apply one after the other; the second is the venue's id folded as a gate's is (<see cref="GateKey"/>).
    /// </summary>
    public const int TicketPush = 0x4350544B;

    /// <summary>
    /// The first key of the two-key locks held (transaction-level) while a visitor's registration at an estate is checked
    /// and stored, so the count of their open visits is exact; the second is the low bits of the visitor's pseudonym.
    /// </summary>
    public const int VisitRegistration = 0x43505653;

    /// <summary>A gate's id folded to the second key of <see cref="GateJournal"/>: the same in every replica.</summary>
    public static int GateKey(Guid gateId)
    {
        Span<byte> bytes = stackalloc byte[16];
        gateId.TryWriteBytes(bytes);
        return BinaryPrimitives.ReadInt32LittleEndian(bytes) ^ BinaryPrimitives.ReadInt32LittleEndian(bytes[4..])
            ^ BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]) ^ BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
    }
}
