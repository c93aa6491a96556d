using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>The archive round's setting (HotState:ArchiveRoundMilliseconds) is checked at start, not met at the first round.</summary>
public sealed class ArchiverSettingsTests
{
    [Theory]
    [InlineData("5")]
    [InlineData("20000")]
    public async Task AnArchiveRoundOutsideItsRangeRefusesToStart(string milliseconds)
    {
        await using var app = new CityPassApp(StoreMode.RedisAndPostgres, new Dictionary<string, string?> { ["HotState:ArchiveRoundMilliseconds"] = milliseconds });

        var boot = await Assert.ThrowsAnyAsync<Exception>(app.InitializeAsync);

        Assert.Contains("HotState:ArchiveRoundMilliseconds is between 10 and 10000.", ExceptionText.Of(boot), StringComparison.Ordinal);
    }
}
