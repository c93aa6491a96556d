using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Stores.Redis;
using CityPass.Server.Tests.Support;
using StackExchange.Redis;

namespace CityPass.Server.Tests;

/// <summary>
/// The archiver's settings: its round (HotState:ArchiveRoundMilliseconds), checked at start rather than met at the first
/// round, and HotState:Archive, which leaves the archive to other replicas.
/// </summary>
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

    [Fact]
    public async Task AnArchiveSettingThatIsNotTrueOrFalseRefusesToStart()
    {
        await using var app = new CityPassApp(StoreMode.RedisAndPostgres, new Dictionary<string, string?> { ["HotState:Archive"] = "sometimes" });

        var boot = await Assert.ThrowsAnyAsync<Exception>(app.InitializeAsync);

        Assert.Contains("HotState:Archive", ExceptionText.Of(boot), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReplicaThatDoesNotArchiveAnswersScansAndLeavesThemToOneThatDoes()
    {
        var (redis, postgres) = await RealServers.NewStoresAsync();
        var keys = Directory.CreateTempSubdirectory("citypass-archive-apart-").FullName;
        var shared = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis,
            ["ConnectionStrings:Postgres"] = postgres,
            ["Keys:KeyFile"] = Path.Combine(keys, "issuer-keys.json"),
            ["Keys:ServerSecretFile"] = Path.Combine(keys, "server-secret.key"),
            ["Orleans:ClusterId"] = "archive-apart-" + Guid.NewGuid().ToString("N"),
        };
        try
        {
            await using var answering = new CityPassApp(StoreMode.RedisAndPostgres, new Dictionary<string, string?>(shared) { ["HotState:Archive"] = "false" });
            await answering.InitializeAsync();
            var text = await (await answering.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
            var scan = await answering.Gate("上海图书馆").DecideAsync(text);
            Assert.Equal(("allow", "allowed"), (scan.Decision, scan.Code));

            // Many rounds' time (100 ms each by default): the scan is still in its stream, and not in the archive.
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            var streams = answering.Get<IConnectionMultiplexer>().GetDatabase();
            long InStreams() => RedisKeys.AllScanStreams.Sum(s => streams.StreamLength(s));
            Assert.Equal(1, InStreams());
            var library = await answering.StaffAsync("library");
            var log = $"/v1/venues/{await answering.VenueIdAsync("上海图书馆")}/scans";
            Assert.Equal(0, (await library.GetFromJsonAsync<JsonElement>(log)).GetProperty("items").GetArrayLength());

            // A replica that archives (the default) takes it from the stream into the archive.
            await using var archiving = new CityPassApp(StoreMode.RedisAndPostgres, shared) { SharedDemo = answering.Demo };
            await archiving.InitializeAsync();
            var deadline = DateTime.UtcNow.AddSeconds(15);
            JsonElement page;
            while ((page = await library.GetFromJsonAsync<JsonElement>(log)).GetProperty("items").GetArrayLength() == 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
            Assert.Equal(1, page.GetProperty("items").GetArrayLength());
        }
        finally
        {
            await RealServers.DropPostgresDatabaseAsync(postgres);
            Directory.Delete(keys, recursive: true);
        }
    }
}
