namespace CityPass.Server.Venues;

/// <summary>
/// A gate's clock as its recent scans show it. <see cref="Drift"/> is scannedAt - decidedAt of its newest live scan
/// (not a late upload, whose gap is the upload's delay, not the clock's error): positive when the gate's clock is
/// ahead of the server's. <see cref="LastLateUploadAt"/> is when its newest late upload arrived: a gate whose clock
/// is behind by more than Scans:LateAfterSeconds has only late uploads, and no drift to show.
/// </summary>
public sealed record GateClock(Guid GateId, TimeSpan? Drift, DateTimeOffset? LastLateUploadAt)
{
    /// <summary>How far back the readings go: a gate silent for longer has no reading.</summary>
    public static TimeSpan Window { get; } = TimeSpan.FromDays(1);

    /// <summary>When its newest live scan was decided: how long a gate has been silent (the city dashboard).</summary>
    public DateTimeOffset? LastLiveScanAt { get; init; }
}
