namespace CityPass.Gate.Tests.Support;

/// <summary>The system's clock, off by <see cref="Offset"/>: a gate whose clock drifts, or time that passes at once.</summary>
public sealed class ShiftedClock(TimeSpan offset = default) : TimeProvider
{
    public TimeSpan Offset { get; set; } = offset;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
