namespace CityPass.Testing;

/// <summary>Where the tests' fake clocks start (FakeTimeProvider's own default, 2000-01-01, predates the test keys and vectors).</summary>
public static class TestClock
{
    /// <summary>A Saturday, 16:00 in Shanghai.</summary>
    public static DateTimeOffset Start { get; } = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);
}
