using CityPass.Core.Venues;
using CityPass.Server.Scans;
using CityPass.Server.Stores.Embedded;
using CityPass.Server.Venues;
using CityPass.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Server.HotState.Tests;

/// <summary>
/// Turning anti-passback on: who is inside comes from the day's archive, and an entry the archive shows only later (a
/// replica that still decided with the old policy kept no presence for it) is added once every replica has the new one.
/// </summary>
public sealed class PresenceKeeperTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task WhoTheArchiveHasInsideIsStartedAndALaterEntryIsAddedOnceEveryReplicaHasTheNewPolicy()
    {
        var clock = new FakeTimeProvider(TestClock.Start);
        var archive = new EmbeddedScanStore();
        var hot = new EmbeddedHotState(archive, clock);
        var directory = new GateDirectory(new EmbeddedVenueStore(), clock, new ConfigurationBuilder().Build(), NullLogger<GateDirectory>.Instance);
        var keeper = new PresenceKeeper(archive, hot, directory, clock, NullLogger<PresenceKeeper>.Instance);
        var venue = new Venue(Guid.NewGuid(), "图书馆", "library", "", Passes.OpenDoor, clock.GetUtcNow());
        var (early, late, gone) = (Passes.NewCitizen(), Passes.NewCitizen(), Passes.NewCitizen());
        foreach (var c in new[] { early, late, gone }) await hot.PutCitizenAsync(c, None);
        // Without anti-passback (the embedded hot state archives as it decides): one stays, one comes and goes.
        await AdmittedAsync(hot, Passes.Attempt(venue.Id, Passes.Of(early)));
        await AdmittedAsync(hot, Passes.Attempt(venue.Id, Passes.Of(gone)));
        await AdmittedAsync(hot, Passes.Attempt(venue.Id, Passes.Of(gone), ScanDirection.Out) with { Now = Passes.Now.AddSeconds(1) });

        await keeper.StartAsync(venue, None);
        // Let in after the start by a replica that still had the old policy: archived, but nobody kept its presence.
        await AdmittedAsync(hot, Passes.Attempt(venue.Id, Passes.Of(late)) with { Now = Passes.Now.AddSeconds(2) });

        Assert.Equal(DecisionCode.Allowed, await ExitCodeAsync(hot, venue.Id, early));
        Assert.Equal(DecisionCode.NotInside, await ExitCodeAsync(hot, venue.Id, gone));
        Assert.Equal(DecisionCode.NotInside, await ExitCodeAsync(hot, venue.Id, late));

        clock.Advance(directory.MaxAge + PresenceKeeper.ArchiveLag);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await ExitCodeAsync(hot, venue.Id, late) != DecisionCode.Allowed && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(DecisionCode.Allowed, await ExitCodeAsync(hot, venue.Id, late));
        Assert.Equal(DecisionCode.NotInside, await ExitCodeAsync(hot, venue.Id, gone));
    }

    private static async Task AdmittedAsync(EmbeddedHotState hot, ScanAttempt attempt) =>
        Assert.True((await hot.ScanAsync(attempt, None))!.Record.Allowed);

    /// <summary>An exit under anti-passback uploaded late: decided on who is inside, and it changes nothing.</summary>
    private static async Task<DecisionCode> ExitCodeAsync(EmbeddedHotState hot, Guid venueId, Citizens.CitizenHotState citizen) =>
        (await hot.ScanAsync(Passes.UploadedLate(Passes.Attempt(venueId, Passes.Of(citizen), ScanDirection.Out, Passes.OpenDoorWithAntiPassback)), None))!.Record.Code;
}
