namespace CityPass.Server.Citizens;

/// <summary>
/// Where the citizens' reconcile passes have got to: the next incremental pass pushes the citizens changed since
/// <paramref name="Since"/> whose last write is numbered at or above <paramref name="WrittenFrom"/> (the write horizon the
/// last pass read before its reads: it pushed the others; null, from a version before it, skips none), and a full pass is
/// due once <paramref name="LastFull"/> is a full period old.
/// </summary>
public sealed record ReconcileMark(DateTimeOffset Since, DateTimeOffset LastFull, long? WrittenFrom = null);

/// <summary>Keeps the <see cref="ReconcileMark"/> where every replica that may take the next pass reads it (with Redis: in Redis).</summary>
public interface IReconcileMarks
{
    /// <summary>Null when there is none (never written, or lost with the store holding it): the next pass is a full one.</summary>
    Task<ReconcileMark?> ReadAsync(CancellationToken cancellationToken);

    Task WriteAsync(ReconcileMark mark, CancellationToken cancellationToken);
}
