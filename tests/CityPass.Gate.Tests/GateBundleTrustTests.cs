using CityPass.Core.Keys;
using CityPass.Core.Venues;
using CityPass.Gate.Tests.Support;
using CityPass.Testing;

namespace CityPass.Gate.Tests;

/// <summary>
/// The gate SDK in this process against the city's server as a process: what a newer bundle, an old bundle and a
/// drifting clock do to offline decisions, and a large journal uploaded in batches.
/// </summary>
public sealed class GateBundleTrustTests : IAsyncLifetime
{
    private const string John = "+8613800000004";

    private readonly string _state = Path.Combine(Directory.CreateTempSubdirectory("citypass-gate-").FullName, "state");
    private readonly ShiftedClock _gateClock = new();
    private CityServer _city = null!;

    public async Task InitializeAsync() => _city = await CityServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _city.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_state)!, recursive: true);
    }

    private Guid _venueId;

    private async Task<GateTerminal> EnrolAsync()
    {
        var (venueId, _, link) = await _city.VenueWithGateAsync(new { allowedColours = new[] { "green" }, antiPassback = false });
        _venueId = venueId;
        await GateEnrolment.EnrolAsync(link, _state, TimeProvider.System, CancellationToken.None);
        var terminal = GateTerminal.Open(_state, new GateOptions { OfflineFor = TimeSpan.FromMinutes(5) }, _gateClock);
        await terminal.RefreshBundleAsync();
        return terminal;
    }

    [Fact]
    public async Task AKeyRevokedInANewerBundleRefusesItsPassesOffline()
    {
        using var gate = await EnrolAsync();
        var john = await _city.MinterAsync(John);
        var oldKeysPass = john();

        var rotated = _city.Keys.Rotate(SignatureSuite.Es256, DateTimeOffset.UtcNow.AddMinutes(-1)).RevokeSigningKey(_city.Keys.SigningKeys[0].Id);
        await _city.RestartAsync(rotated);
        await gate.RefreshBundleAsync();
        var newKeysPass = john();
        await _city.KillAsync();

        var refused = await gate.DecideAsync(oldKeysPass, ScanDirection.In);
        Assert.Equal((DecisionMode.Offline, false, "key_revoked"), (refused.Mode, refused.Allowed, refused.Code));
        var allowed = await gate.DecideAsync(newKeysPass, ScanDirection.In);
        Assert.Equal((DecisionMode.Offline, true), (allowed.Mode, allowed.Allowed));
    }

    [Fact]
    public async Task ABundlePastItsMaximumAgeRefusesOfflineAndAFreshOneDecidesAgain()
    {
        using var gate = await EnrolAsync();
        var john = await _city.MinterAsync(John);
        await _city.KillAsync();
        Assert.True((await gate.DecideAsync(john(), ScanDirection.In)).Allowed);

        // A day and a minute without a fetch (the bundle lives 24 hours); passes are minted at the same moment.
        _gateClock.Offset = TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1);
        var late = await gate.DecideAsync(john(), ScanDirection.In);
        Assert.Equal((false, OfflineCodes.BundleExpired), (late.Allowed, late.Code));
        var status = await gate.StatusAsync();
        Assert.False(status.BundleUsable);
    }

    [Fact]
    public async Task AGateClockFarFromTheServersRefusesOfflineWithItsOwnReason()
    {
        _gateClock.Offset = TimeSpan.FromMinutes(2);
        using var gate = await EnrolAsync();
        var status = await gate.StatusAsync();
        Assert.InRange(status.ClockDrift!.Value.TotalSeconds, 115, 125);
        var john = await _city.MinterAsync(John);
        await _city.KillAsync();
        var refused = await gate.DecideAsync(john(), ScanDirection.In);
        Assert.Equal((DecisionMode.Offline, false, OfflineCodes.ClockDrift), (refused.Mode, refused.Allowed, refused.Code));
    }

    [Fact]
    public async Task TenThousandJournalledScansAreUploadedInBatchesAndArchivedOnceEach()
    {
        using var gate = await EnrolAsync();
        var john = await _city.MinterAsync(John);
        await _city.KillAsync();
        for (var i = 0; i < 10_000; i++) Assert.True((await gate.DecideAsync(john(), ScanDirection.In)).Allowed);
        Assert.Equal(10_000, gate.Journal.Backlog());

        await _city.RestartAsync();
        var batches = new List<SyncProgress>();
        var report = await gate.SyncAsync(new SyncCallback(batches.Add));
        Assert.Equal((10_000, 0, 0, 0, (string?)null), (report.Uploaded, report.Duplicates, report.Remaining, report.Disagreements, report.Error));
        Assert.Equal(20, batches.Count);
        Assert.Equal(10_000 - 500, batches[0].Remaining);
        Assert.Equal(0, gate.Journal.Backlog());
        var archived = (await _city.ScansAsync(_venueId)).Select(s => s.GetProperty("scanId").GetGuid()).ToList();
        Assert.Equal((10_000, 10_000), (archived.Count, archived.Distinct().Count()));
    }

    [Fact]
    public async Task EnrollingAnotherGateIntoAStateDirectoryWithABacklogIsRefused()
    {
        using (var gate = await EnrolAsync())
        {
            gate.Journal.Record(new JournalEntry(0, Guid.CreateVersion7(), "CP1:…", ScanDirection.In, DateTimeOffset.UtcNow, DecisionMode.Offline, true, "allowed", false));
        }
        var (_, _, otherLink) = await _city.VenueWithGateAsync(new { allowedColours = new[] { "green" } });
        var refused = await Assert.ThrowsAsync<GateEnrolmentException>(() => GateEnrolment.EnrolAsync(otherLink, _state, TimeProvider.System, CancellationToken.None));
        Assert.Equal("journal_backlog", refused.Code);
    }

    /// <summary>Reports synchronously (Progress posts to the thread pool, so its reports may arrive after the sync returns).</summary>
    private sealed class SyncCallback(Action<SyncProgress> report) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value) => report(value);
    }
}
