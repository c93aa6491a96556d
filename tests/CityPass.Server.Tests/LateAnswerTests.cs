using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Stores.Redis;
using CityPass.Server.Tests.Support;
using CityPass.Testing;
using Npgsql;

namespace CityPass.Server.Tests;

/// <summary>
/// A scan whose script ran in time but whose answer reached the server after the budget (the server stalled, or
/// the network did): the gate was told 503, so the scan must not count. The server's Redis is behind a proxy that
/// delays every reply (<see cref="DelayingProxy"/>), so Redis runs the script at once and the server hears late.
/// </summary>
[Collection(Alone.Name)]
public sealed class LateAnswerTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private DelayingProxy _proxy = null!;
    private string _postgres = "";
    private CityPassApp App { get; set; } = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _proxy = DelayingProxy.To(_redis.EndPoint);
        _postgres = await RealServers.NewPostgresDatabaseAsync();
        App = new CityPassApp(StoreMode.RedisAndPostgres, new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = _proxy.EndPoint,
            ["ConnectionStrings:Postgres"] = _postgres,
            // The cluster's membership away from the delayed connection: only the scan path is under test.
            ["ConnectionStrings:Orleans"] = await RealServers.NewRedisDatabaseAsync(),
        });
        await App.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)App).DisposeAsync();
        await _proxy.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task AScanAnsweredAfterTheBudgetIsTakenBackEverywhereAndItsRetryIsDecidedAfresh()
    {
        var (gate, venue, gateId, keys, john, johnId) = await Outages.LibrarySceneAsync(App, _redis);

        _proxy.ReplyDelay = TimeSpan.FromMilliseconds(700);
        var scanId = Guid.NewGuid();
        var refused = await Outages.ScanAsync(gate, john, scanId);
        Outages.AssertRefusedInTime(refused);
        _proxy.ReplyDelay = TimeSpan.Zero;

        // Redis did decide it (its record reached the archive), and it was taken back: the archived row is withdrawn,
        // the count, the presence and the dedupe answer are as if the scan never came.
        Assert.True(await Outages.EventuallyAsync(() => WithdrawnInArchiveAsync(gateId, scanId), w => w == true), "the scan's record is archived and withdrawn");
        Assert.Equal("1", await _redis.CliAsync("GET", keys.Occupancy));
        Assert.Equal("0", await _redis.CliAsync("SISMEMBER", keys.Presence, johnId));
        Assert.Equal("0", await _redis.CliAsync("EXISTS", keys.Dedupe(gateId, scanId)));
        var librarian = await App.StaffAsync("library");
        var log = await librarian.GetFromJsonAsync<JsonElement>($"/v1/venues/{venue}/scans");
        Assert.DoesNotContain(log.GetProperty("items").EnumerateArray(), s => s.GetProperty("scanId").GetGuid() == scanId);

        // The gate's retry is a first answer (not the withdrawn one), and counts.
        using var retry = await gate.PostAsJsonAsync("/v1/scans", new { text = john, scanId, direction = "in" });
        var body = await retry.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((HttpStatusCode.OK, "allowed", false, 2),
            (retry.StatusCode, body.GetProperty("code").GetString(), body.GetProperty("duplicate").GetBoolean(), body.GetProperty("occupancy").GetInt32()));
    }

    [Fact]
    public async Task AScanWhoseAnswerIsLostWithTheConnectionIsTakenBack()
    {
        var (gate, _, gateId, keys, john, johnId) = await Outages.LibrarySceneAsync(App, _redis);

        // Redis runs the script at once; its answer is held back, then lost with the connection well within the budget.
        _proxy.ReplyDelay = TimeSpan.FromSeconds(30);
        var scanId = Guid.NewGuid();
        var scanning = Outages.ScanAsync(gate, john, scanId);
        // Asked without pause: the cut must come before the budget's 250 ms run out, or the budget refuses the scan instead.
        var ran = Stopwatch.StartNew();
        while (await _redis.CliAsync("EXISTS", keys.Dedupe(gateId, scanId)) != "1") Assert.True(ran.Elapsed < TimeSpan.FromSeconds(5), "the script never ran");
        _proxy.CutAll();
        _proxy.ReplyDelay = TimeSpan.Zero;
        var refused = await scanning;
        Outages.AssertRefusedInTime(refused);
        Assert.True(refused.Took < TimeSpan.FromMilliseconds(250), $"refused by the budget ({refused.Took.TotalMilliseconds:0} ms), not by the lost connection");

        Assert.True(await Outages.EventuallyAsync(() => WithdrawnInArchiveAsync(gateId, scanId), w => w == true), "the scan's record is archived and withdrawn");
        Assert.Equal("1", await _redis.CliAsync("GET", keys.Occupancy));
        Assert.Equal("0", await _redis.CliAsync("SISMEMBER", keys.Presence, johnId));
        Assert.Equal("0", await _redis.CliAsync("EXISTS", keys.Dedupe(gateId, scanId)));
    }

    /// <summary>The archive's withdrawn flag of the scan, null while it has no row for it.</summary>
    private async Task<bool?> WithdrawnInArchiveAsync(Guid gateId, Guid scanId)
    {
        await using var connection = new NpgsqlConnection(_postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT bool_and(withdrawn) FROM scans WHERE gate_id = $1 AND scan_id = $2", connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = gateId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = scanId });
        return await command.ExecuteScalarAsync() is bool withdrawn ? withdrawn : null;
    }
}
