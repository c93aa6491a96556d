using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

public sealed class PerformanceDocTests
{
    private const string Doc = "# Performance\n\n## Pass token\n\ntoken text\n\n## Redis client\n\nredis text\n";

    [Fact]
    public void TheSectionIsAppendedWhenMissing()
    {
        var updated = PerformanceDoc.Replace(Doc, "## Scan-verify under load\n\nfirst\n");
        Assert.StartsWith(Doc.TrimEnd('\n'), updated, StringComparison.Ordinal);
        Assert.EndsWith("## Scan-verify under load\n\nfirst\n", updated, StringComparison.Ordinal);
    }

    [Fact]
    public void ARerunReplacesOnlyItsOwnSection()
    {
        var once = PerformanceDoc.Replace(Doc, "## Scan-verify under load\n\nfirst\n");
        var withLater = once + "\n## Later section\n\nkept\n";
        var twice = PerformanceDoc.Replace(withLater, "## Scan-verify under load\n\nsecond\n");
        Assert.Contains("token text", twice, StringComparison.Ordinal);
        Assert.Contains("redis text", twice, StringComparison.Ordinal);
        Assert.Contains("## Later section\n\nkept\n", twice, StringComparison.Ordinal);
        Assert.Contains("second", twice, StringComparison.Ordinal);
        Assert.DoesNotContain("first", twice, StringComparison.Ordinal);
    }
}
