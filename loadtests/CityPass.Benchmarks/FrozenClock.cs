namespace CityPass.Benchmarks;

/// <summary>A pass lives a minute and a benchmark run takes minutes, so the clock stands still.</summary>
internal sealed class FrozenClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
