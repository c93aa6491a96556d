using System.Collections.Concurrent;
using System.Security.Cryptography;
using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Server.Citizens;
using CityPass.Server.Scans;
using CityPass.Testing;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Server.HotState.Tests;

/// <summary>
/// What every <see cref="IHotState"/> must do, written once and run against each implementation
/// (memory, a Redis server, a Redis Cluster).
/// </summary>
public abstract class HotStateContract : IAsyncLifetime
{
    protected FakeTimeProvider Clock { get; } = new(TestClock.Start);

    protected IHotState Hot { get; private set; } = null!;

    protected abstract Task<IHotState> CreateAsync();

    /// <summary>Lets a one-time code stored with <see cref="ShortOtpTtl"/> run out (a fake clock, or real time for Redis's TTLs).</summary>
    protected abstract Task LetOtpExpireAsync(string phone);

    /// <summary>Ends the hour in which the phone's wrong guesses are counted (a fake clock, or the key's own TTL run short for Redis).</summary>
    protected abstract Task LetGuessHourEndAsync(string phone);

    protected static readonly TimeSpan ShortOtpTtl = TimeSpan.FromMilliseconds(300);

    private static readonly CancellationToken None = CancellationToken.None;

    public virtual async Task InitializeAsync() => Hot = await CreateAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task EveryCombinationIsDecidedAsEntryRulesDecide()
    {
        var cases = DecisionCase.All().ToList();
        var failures = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (c, ct) =>
        {
            if (await c.RunAsync(Hot, ct) is { } failure) failures.Enqueue($"{c}: {failure}");
        });
        Assert.True(cases.Count > 8000, "the matrix lost its combinations");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases.Count} cases differ, e.g.\n" + string.Join("\n", failures.Take(10)));
    }

    [Fact]
    public void RandomSituationsAreDecidedAsEntryRulesDecide()
    {
        var gen =
            from own in Gen.Elements(true, false)
            from current in Gen.Elements(Enum.GetValues<StatusColour>())
            from admitted in Gen.Choose(0, 7).Select(m => (StatusColours)m)
            from delta in Gen.Choose(-2, 2)
            from credentials in Gen.Elements(true, false)
            from booking in Gen.Elements(Enum.GetValues<Booking>())
            from inside in Gen.Elements(true, false)
            from direction in Gen.Elements(Enum.GetValues<ScanDirection>())
            from antiPassback in Gen.Elements(true, false)
            from room in Gen.Elements(Enum.GetValues<Room>())
            from replayed in Gen.Elements(true, false)
            from open in Gen.Elements(true, false)
            where own || (delta == 0 && booking != Booking.Booked && !inside)
            select new DecisionCase(own, current, admitted, delta, credentials, booking, inside, direction, antiPassback, room, replayed, open);

        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            // Off xunit's synchronisation context: blocking on it could starve the continuations.
            var failure = Task.Run(() => c.RunAsync(Hot, None)).GetAwaiter().GetResult();
            return failure is null;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public async Task EveryCombinationUploadedLateIsDecidedAsEntryRulesDecideAndLeavesTheVenueAsItWas()
    {
        var cases = DecisionCase.All().Select(c => c with { LateUpload = true }).ToList();
        var failures = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (c, ct) =>
        {
            if (await c.RunAsync(Hot, ct) is { } failure) failures.Enqueue($"{c}: {failure}");
        });
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases.Count} cases differ, e.g.\n" + string.Join("\n", failures.Take(10)));
    }

    [Fact]
    public async Task AnEntryTakenBackLeavesTheVenueAsIfItNeverCameAndItsRetryIsDecidedAfresh()
    {
        var venue = Guid.NewGuid();
        var citizen = Passes.NewCitizen();
        await Hot.PutCitizenAsync(citizen, None);
        var pass = Passes.Of(citizen);
        var policy = VenuePolicy.Default with { Capacity = 1 };
        var refused = Passes.Attempt(venue, pass, policy: policy);
        Assert.Equal((DecisionCode.Allowed, 1), await CodeAndOccupancyAsync(refused));

        Assert.True(await Hot.WithdrawAsync(refused, None));

        Assert.Equal(0, await Hot.GetOccupancyAsync(venue, None));
        // Its retry, the same scan id a moment later: not the first answer (forgotten) but a decision of its own, and
        // neither the replay mark (token_replayed), the presence (already_inside) nor the seat (venue_full) is taken.
        var retry = await Hot.ScanAsync(refused with { Now = Passes.Now.AddSeconds(1) }, None);
        Assert.Equal((false, DecisionCode.Allowed, 1), (retry!.Duplicate, retry.Record.Code, retry.Occupancy));
        Assert.False(await Hot.WithdrawAsync(refused, None));
    }

    [Fact]
    public async Task AnExitTakenBackPutsTheCitizenBackInside()
    {
        var venue = Guid.NewGuid();
        var citizen = Passes.NewCitizen();
        await Hot.PutCitizenAsync(citizen, None);
        var policy = VenuePolicy.Default;
        await Hot.ScanAsync(Passes.Attempt(venue, Passes.Of(citizen), policy: policy), None);
        var exit = Passes.Attempt(venue, Passes.Of(citizen), ScanDirection.Out, policy);
        Assert.Equal((DecisionCode.Allowed, 0), await CodeAndOccupancyAsync(exit));

        Assert.True(await Hot.WithdrawAsync(exit, None));

        Assert.Equal(1, await Hot.GetOccupancyAsync(venue, None));
        Assert.Equal((DecisionCode.AlreadyInside, 1), await CodeAndOccupancyAsync(Passes.Attempt(venue, Passes.Of(citizen), policy: policy)));
    }

    [Fact]
    public async Task AnAnswerARetryWasGivenStandsAndSoDoesAnotherAttemptsAnswer()
    {
        var venue = Guid.NewGuid();
        var citizen = Passes.NewCitizen();
        await Hot.PutCitizenAsync(citizen, None);
        var first = Passes.Attempt(venue, Passes.Of(citizen));
        await Hot.ScanAsync(first, None);

        // Another attempt with the same ids (a retry that met the first answer) takes nothing back: it decided nothing.
        Assert.False(await Hot.WithdrawAsync(first with { Now = Passes.Now.AddSeconds(1) }, None));
        // The gate's retry is given the first answer: the gate acts on it, so the refused first attempt stands.
        Assert.True((await Hot.ScanAsync(first with { Now = Passes.Now.AddSeconds(1) }, None))!.Duplicate);
        Assert.False(await Hot.WithdrawAsync(first, None));
        Assert.Equal(1, await Hot.GetOccupancyAsync(venue, None));
        // And a scan that never ran has nothing to take back.
        Assert.False(await Hot.WithdrawAsync(Passes.Attempt(venue, Passes.Of(citizen)), None));
    }

    private async Task<(DecisionCode, int)> CodeAndOccupancyAsync(ScanAttempt attempt)
    {
        var outcome = await Hot.ScanAsync(attempt, None);
        return (outcome!.Record.Code, outcome.Occupancy);
    }

    [Fact]
    public async Task ALateUploadIsRecordedAsDecidedButMovesNoOccupancyPresenceOrReplayMark()
    {
        var venue = Guid.NewGuid();
        var citizen = Passes.NewCitizen();
        await Hot.PutCitizenAsync(citizen, None);
        var pass = Passes.Of(citizen);
        var policy = VenuePolicy.Default with { Capacity = 1 };

        var lateEntry = await Hot.ScanAsync(Passes.UploadedLate(Passes.Attempt(venue, pass, policy: policy)), None);

        Assert.Equal((true, DecisionCode.Allowed, true, 0), (lateEntry!.Record.Allowed, lateEntry.Record.Code, lateEntry.Record.LateUpload, lateEntry.Occupancy));
        Assert.Equal(Passes.Now.AddDays(-2), lateEntry.Record.ScannedAt);
        Assert.Equal(0, await Hot.GetOccupancyAsync(venue, None));

        // The same pass enters live: no replay mark (token_replayed), no presence (already_inside), room left (venue_full).
        var liveEntry = await Hot.ScanAsync(Passes.Attempt(venue, pass, policy: policy), None);
        Assert.Equal((DecisionCode.Allowed, false, 1), (liveEntry!.Record.Code, liveEntry.Record.LateUpload, liveEntry.Occupancy));

        // A late exit neither lowers the count nor takes the citizen out: the live exit still finds them inside.
        var lateExit = await Hot.ScanAsync(Passes.UploadedLate(Passes.Attempt(venue, Passes.Of(citizen), ScanDirection.Out, policy)), None);
        Assert.Equal((DecisionCode.Allowed, true, 1), (lateExit!.Record.Code, lateExit.Record.LateUpload, lateExit.Occupancy));
        var liveExit = await Hot.ScanAsync(Passes.Attempt(venue, Passes.Of(citizen), ScanDirection.Out, policy), None);
        Assert.Equal((DecisionCode.Allowed, 0), (liveExit!.Record.Code, liveExit.Occupancy));
        Assert.Equal(0, await Hot.GetOccupancyAsync(venue, None));
    }

    [Fact]
    public async Task ALateUploadIsRefusedByTheSameRulesAsALiveScan()
    {
        var venue = Guid.NewGuid();
        var red = Passes.NewCitizen(StatusColour.Red);
        var green = Passes.NewCitizen();
        await Hot.PutCitizenAsync(red, None);
        await Hot.PutCitizenAsync(green, None);
        var full = VenuePolicy.Default with { Capacity = 0 };

        var refusedRed = await Hot.ScanAsync(Passes.UploadedLate(Passes.Attempt(venue, Passes.Of(red), policy: VenuePolicy.Default)), None);
        var refusedFull = await Hot.ScanAsync(Passes.UploadedLate(Passes.Attempt(venue, Passes.Of(green), policy: full)), None);
        var exitWithoutEntry = await Hot.ScanAsync(Passes.UploadedLate(Passes.Attempt(venue, Passes.Of(green), ScanDirection.Out, VenuePolicy.Default)), None);

        Assert.Equal((false, DecisionCode.StatusNotAllowed, true), (refusedRed!.Record.Allowed, refusedRed.Record.Code, refusedRed.Record.LateUpload));
        Assert.Equal((false, DecisionCode.VenueFull, true), (refusedFull!.Record.Allowed, refusedFull.Record.Code, refusedFull.Record.LateUpload));
        Assert.Equal((false, DecisionCode.NotInside, true), (exitWithoutEntry!.Record.Allowed, exitWithoutEntry.Record.Code, exitWithoutEntry.Record.LateUpload));
    }

    [Fact]
    public async Task ARetriedLateUploadGetsItsFirstAnswerStillFlagged()
    {
        var venue = Guid.NewGuid();
        await Hot.ScanAsync(Passes.Attempt(venue, Passes.Foreign()), None);
        var late = Passes.UploadedLate(Passes.Attempt(venue, Passes.Foreign()));

        var first = await Hot.ScanAsync(late, None);
        var retry = await Hot.ScanAsync(late, None);

        Assert.True(retry!.Duplicate);
        Assert.True(retry.Record.LateUpload);
        Assert.Equal((first!.Record, 1), (retry.Record, retry.Occupancy));
        Assert.Equal(1, await Hot.GetOccupancyAsync(venue, None));
    }

    [Fact]
    public async Task RetryOfAScanGetsTheFirstAnswerEvenAfterTheStateChanged()
    {
        var venue = Guid.NewGuid();
        var citizen = Passes.NewCitizen();
        await Hot.PutCitizenAsync(citizen, None);
        var policy = VenuePolicy.Default with { Capacity = 10 };
        var attempt = Passes.Attempt(venue, Passes.Of(citizen), policy: policy);

        var first = await Hot.ScanAsync(attempt, None);
        await Hot.PutCitizenAsync(citizen with { Colour = StatusColour.Red, StatusVersion = 2 }, None);
        var retry = await Hot.ScanAsync(attempt with { Now = Passes.Now.AddSeconds(30) }, None);
        var fresh = await Hot.ScanAsync(Passes.Attempt(venue, Passes.Of(citizen), policy: policy, gateId: attempt.GateId), None);

        Assert.NotNull(first);
        Assert.True(first.Record.Allowed);
        Assert.False(first.Duplicate);
        Assert.NotNull(retry);
        Assert.True(retry.Duplicate);
        Assert.Equal(first.Record, retry.Record);
        Assert.Equal(1, retry.Occupancy);
        Assert.Equal(DecisionCode.StatusNotAllowed, fresh!.Record.Code);
        Assert.Equal(1, await Hot.GetOccupancyAsync(venue, None));
    }

    [Fact]
    public async Task TheSameScanIdFromAnotherGateIsAnotherScan()
    {
        var venue = Guid.NewGuid();
        var scanId = Guid.NewGuid();
        var attempt = Passes.Attempt(venue, Passes.Foreign(), scanId: scanId);
        var first = await Hot.ScanAsync(attempt, None);
        var other = await Hot.ScanAsync(Passes.Attempt(venue, Passes.Foreign(), scanId: scanId), None);
        var retry = await Hot.ScanAsync(attempt, None);

        Assert.False(other!.Duplicate);
        Assert.Equal(1, first!.Occupancy);
        Assert.Equal(2, other.Occupancy);
        // The other gate's scan did not take the id over: the first gate's retry still gets its own answer.
        Assert.True(retry!.Duplicate);
        Assert.Equal((first.Record, 1), (retry.Record, retry.Occupancy));
        Assert.NotEqual(first.Record.GateId, other.Record.GateId);
    }

    [Fact]
    public async Task ConcurrentEntriesNeverExceedTheCapacity()
    {
        var venue = Guid.NewGuid();
        var citizens = Enumerable.Range(0, 300).Select(_ => Passes.NewCitizen()).ToList();
        await Task.WhenAll(citizens.Select(c => Hot.PutCitizenAsync(c, None)));
        var policy = VenuePolicy.Default with { Capacity = 50 };

        var outcomes = await Task.WhenAll(citizens.Select(c => Task.Run(() => Hot.ScanAsync(Passes.Attempt(venue, Passes.Of(c), policy: policy), None))));

        Assert.Equal(50, outcomes.Count(o => o!.Record.Allowed));
        Assert.Equal(250, outcomes.Count(o => o!.Record.Code == DecisionCode.VenueFull));
        Assert.Equal(50, await Hot.GetOccupancyAsync(venue, None));
        Assert.Equal(Enumerable.Range(1, 50), outcomes.Where(o => o!.Record.Allowed).Select(o => o!.Occupancy).Order());
    }

    [Fact]
    public async Task ExitsDecrementTheOccupancyButNeverBelowZero()
    {
        var venue = Guid.NewGuid();
        await Hot.ScanAsync(Passes.Attempt(venue, Passes.Foreign()), None);
        await Hot.ScanAsync(Passes.Attempt(venue, Passes.Foreign()), None);
        Assert.Equal(2, await Hot.GetOccupancyAsync(venue, None));

        var exits = new List<ScanOutcome?>();
        for (var i = 0; i < 3; i++) exits.Add(await Hot.ScanAsync(Passes.Attempt(venue, Passes.Foreign(), ScanDirection.Out), None));

        Assert.All(exits, e => Assert.True(e!.Record.Allowed));
        Assert.Equal([1, 0, 0], exits.Select(e => e!.Occupancy));
        Assert.Equal(0, await Hot.GetOccupancyAsync(venue, None));
    }

    [Fact]
    public async Task AnUnknownCitizenGetsNoDecisionUntilTheirHotCopyIsPut()
    {
        var venue = Guid.NewGuid();
        var citizen = Passes.NewCitizen();
        var attempt = Passes.Attempt(venue, Passes.Of(citizen));

        Assert.Null(await Hot.ScanAsync(attempt, None));
        Assert.Null(await Hot.GetCitizenAsync(citizen.Id, None));
        Assert.Equal(0, await Hot.GetOccupancyAsync(venue, None));

        await Hot.PutCitizenAsync(citizen, None);
        var outcome = await Hot.ScanAsync(attempt, None);

        Assert.NotNull(outcome);
        Assert.False(outcome.Duplicate);
        Assert.True(outcome.Record.Allowed);
        Assert.Equal(citizen.MaskedName, outcome.Record.DisplayName);
        Assert.Equal(citizen.Id, outcome.Record.CitizenId);
    }

    [Fact]
    public async Task PutCitizenNeverGoesBackToAnOlderStatus()
    {
        var citizen = Passes.NewCitizen(StatusColour.Red, version: 3);
        await Hot.PutCitizenAsync(citizen, None);

        await Hot.PutCitizenAsync(citizen with { Colour = StatusColour.Green, StatusVersion = 2 }, None);
        Assert.Equal(citizen, await Hot.GetCitizenAsync(citizen.Id, None));

        // Same version: name and credentials change without a status change.
        var renamed = citizen with { MaskedName = "张*三", Credentials = Credentials.EIdVerified };
        await Hot.PutCitizenAsync(renamed, None);
        Assert.Equal(renamed, await Hot.GetCitizenAsync(citizen.Id, None));

        var newer = renamed with { Colour = StatusColour.Green, StatusVersion = 4 };
        await Hot.PutCitizenAsync(newer, None);
        Assert.Equal(newer, await Hot.GetCitizenAsync(citizen.Id, None));
    }

    [Fact]
    public async Task APassOpensAVenuesEntryOnceButOtherVenuesStillOpen()
    {
        var (venue, elsewhere) = (Guid.NewGuid(), Guid.NewGuid());
        var citizen = Passes.NewCitizen();
        await Hot.PutCitizenAsync(citizen, None);
        var pass = Passes.Of(citizen);

        var entry = await Hot.ScanAsync(Passes.Attempt(venue, pass, policy: VenuePolicy.Default), None);
        var exit = await Hot.ScanAsync(Passes.Attempt(venue, pass, ScanDirection.Out, VenuePolicy.Default), None);
        var again = await Hot.ScanAsync(Passes.Attempt(venue, pass), None);
        var other = await Hot.ScanAsync(Passes.Attempt(elsewhere, pass), None);

        Assert.True(entry!.Record.Allowed);
        Assert.True(exit!.Record.Allowed);
        Assert.Equal(DecisionCode.TokenReplayed, again!.Record.Code);
        Assert.True(other!.Record.Allowed);
    }

    [Fact]
    public async Task ForgettingAVenueClearsItsOccupancyPresenceAndBookings()
    {
        var venue = Guid.NewGuid();
        var citizen = Passes.NewCitizen();
        await Hot.PutCitizenAsync(citizen, None);
        await Hot.SetBookingAsync(venue, citizen.Id, true, None);
        var booked = VenuePolicy.Default with { RequiresBooking = true };
        Assert.True((await Hot.ScanAsync(Passes.Attempt(venue, Passes.Of(citizen), policy: booked), None))!.Record.Allowed);

        await Hot.ForgetVenueAsync(venue, None);

        Assert.Equal(0, await Hot.GetOccupancyAsync(venue, None));
        Assert.Equal(DecisionCode.BookingRequired, (await Hot.ScanAsync(Passes.Attempt(venue, Passes.Of(citizen), policy: booked), None))!.Record.Code);
        // Presence is gone too: with anti-passback, leaving now is an exit without an entry.
        Assert.Equal(DecisionCode.NotInside, (await Hot.ScanAsync(Passes.Attempt(venue, Passes.Of(citizen), ScanDirection.Out, VenuePolicy.Default), None))!.Record.Code);
    }

    [Fact]
    public async Task WithoutAntiPassbackNobodysPresenceIsKept()
    {
        var venue = Guid.NewGuid();
        var citizen = Passes.NewCitizen();
        await Hot.PutCitizenAsync(citizen, None);
        Assert.Equal((DecisionCode.Allowed, 1), await CodeAndOccupancyAsync(Passes.Attempt(venue, Passes.Of(citizen), policy: Passes.OpenDoor)));
        Assert.Equal((DecisionCode.Allowed, 0), await CodeAndOccupancyAsync(Passes.Attempt(venue, Passes.Of(citizen), ScanDirection.Out, Passes.OpenDoor)));
        Assert.Equal((DecisionCode.Allowed, 1), await CodeAndOccupancyAsync(Passes.Attempt(venue, Passes.Of(citizen), policy: Passes.OpenDoor)));

        // Anti-passback now, with nobody's presence put: the entries above were counted but not kept, so the citizen is
        // not inside (an exit is one without an entry) and may enter.
        Assert.Equal((DecisionCode.NotInside, 1), await CodeAndOccupancyAsync(Passes.Attempt(venue, Passes.Of(citizen), ScanDirection.Out, VenuePolicy.Default)));
        Assert.Equal((DecisionCode.Allowed, 2), await CodeAndOccupancyAsync(Passes.Attempt(venue, Passes.Of(citizen), policy: VenuePolicy.Default)));
    }

    [Fact]
    public async Task PresencePutReplacesOrAddsAndAnEmptyReplacementForgetsItLeavingTheOccupancy()
    {
        var venue = Guid.NewGuid();
        var (first, second, third) = (Passes.NewCitizen(), Passes.NewCitizen(), Passes.NewCitizen());
        foreach (var c in new[] { first, second, third }) await Hot.PutCitizenAsync(c, None);
        Assert.Equal((DecisionCode.Allowed, 1), await CodeAndOccupancyAsync(Passes.Attempt(venue, Passes.Of(first), policy: VenuePolicy.Default)));

        await Hot.PutPresenceAsync(venue, [second.Id], replace: true, None);
        Assert.Equal((DecisionCode.AlreadyInside, 1), await CodeAndOccupancyAsync(Passes.Attempt(venue, Passes.Of(second), policy: VenuePolicy.Default)));
        Assert.Equal((DecisionCode.NotInside, 1), await CodeAndOccupancyAsync(Passes.Attempt(venue, Passes.Of(first), ScanDirection.Out, VenuePolicy.Default)));

        await Hot.PutPresenceAsync(venue, [third.Id], replace: false, None);
        Assert.Equal((DecisionCode.AlreadyInside, 1), await CodeAndOccupancyAsync(Passes.Attempt(venue, Passes.Of(third), policy: VenuePolicy.Default)));
        Assert.Equal((DecisionCode.Allowed, 0), await CodeAndOccupancyAsync(Passes.Attempt(venue, Passes.Of(second), ScanDirection.Out, VenuePolicy.Default)));

        // An empty replacement forgets it (anti-passback turned off).
        await Hot.PutPresenceAsync(venue, [], replace: true, None);
        Assert.Equal((DecisionCode.NotInside, 0), await CodeAndOccupancyAsync(Passes.Attempt(venue, Passes.Of(third), ScanDirection.Out, VenuePolicy.Default)));
        Assert.Equal((DecisionCode.Allowed, 1), await CodeAndOccupancyAsync(Passes.Attempt(venue, Passes.Of(third), policy: VenuePolicy.Default)));
        await Hot.PutPresenceAsync(venue, [], replace: true, None);
        Assert.Equal((DecisionCode.NotInside, 1), await CodeAndOccupancyAsync(Passes.Attempt(venue, Passes.Of(third), ScanDirection.Out, VenuePolicy.Default)));
    }

    [Fact]
    public async Task AWithdrawnBookingNoLongerAdmits()
    {
        var venue = Guid.NewGuid();
        var citizen = Passes.NewCitizen();
        await Hot.PutCitizenAsync(citizen, None);
        await Hot.SetBookingAsync(venue, citizen.Id, true, None);
        await Hot.SetBookingAsync(venue, citizen.Id, false, None);

        var outcome = await Hot.ScanAsync(Passes.Attempt(venue, Passes.Of(citizen), policy: VenuePolicy.Default with { RequiresBooking = true }), None);

        Assert.Equal(DecisionCode.BookingRequired, outcome!.Record.Code);
    }

    [Fact]
    public async Task ATicketAdmitsWithinItsWindowWithItsSeatAndAnOlderCopyDoesNotOverwriteANewerOne()
    {
        var venue = Guid.NewGuid();
        var citizen = Passes.NewCitizen();
        await Hot.PutCitizenAsync(citizen, None);
        var booked = VenuePolicy.Default with { RequiresBooking = true, AntiPassback = false };
        var now = Passes.Now;
        TicketWindow Ticket(int fromMinutes, int untilMinutes, string seat) => new(now.AddMinutes(fromMinutes), now.AddMinutes(untilMinutes), seat);
        Task PutAsync(long revision, params TicketWindow[] tickets) =>
            Hot.PutTicketsAsync(venue, revision, new Dictionary<CitizenPseudonym, IReadOnlyList<TicketWindow>> { [citizen.Id] = tickets }, None);

        // One ended, one not started, one valid now: the valid one admits and gives its seat.
        await PutAsync(5, Ticket(-120, -60, "Old 1"), Ticket(-10, 60, "Stalls A-12"), Ticket(120, 180, "Later 9"));
        var attempt = Passes.Attempt(venue, Passes.Of(citizen), policy: booked);
        var entry = await Hot.ScanAsync(attempt, None);
        Assert.Equal((DecisionCode.Allowed, "Stalls A-12"), (entry!.Record.Code, entry.Seat));
        // The retry gets the first answer, seat and all; the exit shows none.
        var retry = await Hot.ScanAsync(attempt, None);
        Assert.Equal((true, "Stalls A-12"), (retry!.Duplicate, retry.Seat));
        Assert.Null((await Hot.ScanAsync(Passes.Attempt(venue, Passes.Of(citizen), ScanDirection.Out, booked), None))!.Seat);
        // A venue that requires no booking shows no seat.
        Assert.Null((await Hot.ScanAsync(Passes.Attempt(venue, Passes.Of(citizen), policy: VenuePolicy.Default with { AntiPassback = false }), None))!.Seat);

        // A copy from an older read arrives late: ignored. A newer one without tickets (cancelled): nothing admits.
        await PutAsync(4);
        Assert.Equal("Stalls A-12", (await Hot.ScanAsync(Passes.Attempt(venue, Passes.Of(citizen), policy: booked), None))!.Seat);
        await PutAsync(6);
        var refused = await Hot.ScanAsync(Passes.Attempt(venue, Passes.Of(citizen), policy: booked), None);
        Assert.Equal((DecisionCode.BookingRequired, (string?)null), (refused!.Record.Code, refused.Seat));
        // Only a ticket that has not started: refused as well.
        await PutAsync(7, Ticket(5, 60, "Soon"));
        Assert.Equal(DecisionCode.BookingRequired, (await Hot.ScanAsync(Passes.Attempt(venue, Passes.Of(citizen), policy: booked), None))!.Record.Code);
    }

    private static byte[] Hash(string code) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(code));

    private static string NewPhone() => "+86138" + RandomNumberGenerator.GetInt32(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task TheRightCodeIsValidOnceThenConsumed()
    {
        var phone = NewPhone();
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("123456"), TimeSpan.FromMinutes(5), 10, None));

        Assert.Equal(OtpCheck.Valid, await Hot.CheckOtpAsync(phone, Hash("123456"), 5, 10, None));
        Assert.Equal(OtpCheck.Missing, await Hot.CheckOtpAsync(phone, Hash("123456"), 5, 10, None));
    }

    [Fact]
    public async Task AWrongCodeIsInvalidAndTheRightOneStillWorksAfterIt()
    {
        var phone = NewPhone();
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("123456"), TimeSpan.FromMinutes(5), 10, None));

        Assert.Equal(OtpCheck.Invalid, await Hot.CheckOtpAsync(phone, Hash("654321"), 3, 10, None));
        Assert.Equal(OtpCheck.Invalid, await Hot.CheckOtpAsync(phone, Hash("000000"), 3, 10, None));
        Assert.Equal(OtpCheck.Valid, await Hot.CheckOtpAsync(phone, Hash("123456"), 3, 10, None));
    }

    [Fact]
    public async Task TheCodeIsBurntAfterTheLastAllowedWrongTry()
    {
        var phone = NewPhone();
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("123456"), TimeSpan.FromMinutes(5), 10, None));

        Assert.Equal(OtpCheck.Invalid, await Hot.CheckOtpAsync(phone, Hash("1"), 3, 10, None));
        Assert.Equal(OtpCheck.Invalid, await Hot.CheckOtpAsync(phone, Hash("2"), 3, 10, None));
        Assert.Equal(OtpCheck.TooManyAttempts, await Hot.CheckOtpAsync(phone, Hash("3"), 3, 10, None));
        Assert.Equal(OtpCheck.Missing, await Hot.CheckOtpAsync(phone, Hash("123456"), 3, 10, None));
    }

    [Fact]
    public async Task AnExpiredCodeIsMissing()
    {
        var phone = NewPhone();
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("123456"), ShortOtpTtl, 10, None));

        await LetOtpExpireAsync(phone);

        Assert.Equal(OtpCheck.Missing, await Hot.CheckOtpAsync(phone, Hash("123456"), 5, 10, None));
    }

    [Fact]
    public async Task ANewCodeReplacesTheEarlierOneAndItsFailures()
    {
        var phone = NewPhone();
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("111111"), TimeSpan.FromMinutes(5), 10, None));
        Assert.Equal(OtpCheck.Invalid, await Hot.CheckOtpAsync(phone, Hash("999999"), 2, 10, None));
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("222222"), TimeSpan.FromMinutes(5), 10, None));

        Assert.Equal(OtpCheck.Invalid, await Hot.CheckOtpAsync(phone, Hash("111111"), 2, 10, None));
        Assert.Equal(OtpCheck.Valid, await Hot.CheckOtpAsync(phone, Hash("222222"), 2, 10, None));
    }

    [Fact]
    public async Task APhoneGetsAtMostTheAllowedCodesAnHourAndTheLastOneStaysValid()
    {
        var phone = NewPhone();
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("111111"), TimeSpan.FromMinutes(5), 3, None));
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("222222"), TimeSpan.FromMinutes(5), 3, None));
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("333333"), TimeSpan.FromMinutes(5), 3, None));
        Assert.False(await Hot.TryStoreOtpAsync(phone, Hash("444444"), TimeSpan.FromMinutes(5), 3, None));

        Assert.Equal(OtpCheck.Invalid, await Hot.CheckOtpAsync(phone, Hash("444444"), 5, 10, None));
        Assert.Equal(OtpCheck.Valid, await Hot.CheckOtpAsync(phone, Hash("333333"), 5, 10, None));
        Assert.True(await Hot.TryStoreOtpAsync(NewPhone(), Hash("555555"), TimeSpan.FromMinutes(5), 3, None));
    }

    [Fact]
    public async Task NoCodeStoredIsMissing() =>
        Assert.Equal(OtpCheck.Missing, await Hot.CheckOtpAsync(NewPhone(), Hash("123456"), 5, 10, None));

    [Fact]
    public async Task WrongGuessesAreCountedPerPhoneAcrossItsCodesAndThenEvenTheRightCodeIsLocked()
    {
        var phone = NewPhone();
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("111111"), TimeSpan.FromMinutes(5), 10, None));
        Assert.Equal(OtpCheck.Invalid, await Hot.CheckOtpAsync(phone, Hash("000001"), 3, 4, None));
        Assert.Equal(OtpCheck.Invalid, await Hot.CheckOtpAsync(phone, Hash("000002"), 3, 4, None));
        // A new code brings fresh tries of that code, but not fresh guesses of the phone.
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("222222"), TimeSpan.FromMinutes(5), 10, None));
        Assert.Equal(OtpCheck.Invalid, await Hot.CheckOtpAsync(phone, Hash("000003"), 3, 4, None));
        Assert.Equal(OtpCheck.Invalid, await Hot.CheckOtpAsync(phone, Hash("000004"), 3, 4, None));

        Assert.Equal(OtpCheck.Locked, await Hot.CheckOtpAsync(phone, Hash("222222"), 3, 4, None));
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("333333"), TimeSpan.FromMinutes(5), 10, None));
        Assert.Equal(OtpCheck.Locked, await Hot.CheckOtpAsync(phone, Hash("333333"), 3, 4, None));

        var other = NewPhone();
        Assert.True(await Hot.TryStoreOtpAsync(other, Hash("444444"), TimeSpan.FromMinutes(5), 10, None));
        Assert.Equal(OtpCheck.Valid, await Hot.CheckOtpAsync(other, Hash("444444"), 3, 4, None));
    }

    [Fact]
    public async Task ARightCodeAndAMissingCodeDoNotCountAsWrongGuesses()
    {
        var phone = NewPhone();
        Assert.Equal(OtpCheck.Missing, await Hot.CheckOtpAsync(phone, Hash("000000"), 3, 2, None));
        Assert.Equal(OtpCheck.Missing, await Hot.CheckOtpAsync(phone, Hash("000000"), 3, 2, None));
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("111111"), TimeSpan.FromMinutes(5), 10, None));
        Assert.Equal(OtpCheck.Valid, await Hot.CheckOtpAsync(phone, Hash("111111"), 3, 2, None));
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("222222"), TimeSpan.FromMinutes(5), 10, None));
        Assert.Equal(OtpCheck.Invalid, await Hot.CheckOtpAsync(phone, Hash("000000"), 3, 2, None));
        Assert.Equal(OtpCheck.Valid, await Hot.CheckOtpAsync(phone, Hash("222222"), 3, 2, None));
    }

    [Fact]
    public async Task TheGuessLockLiftsWhenItsHourEnds()
    {
        var phone = NewPhone();
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("111111"), TimeSpan.FromHours(2), 10, None));
        Assert.Equal(OtpCheck.Invalid, await Hot.CheckOtpAsync(phone, Hash("000000"), 5, 1, None));
        Assert.Equal(OtpCheck.Locked, await Hot.CheckOtpAsync(phone, Hash("111111"), 5, 1, None));

        await LetGuessHourEndAsync(phone);

        Assert.Equal(OtpCheck.Valid, await Hot.CheckOtpAsync(phone, Hash("111111"), 5, 1, None));
    }

    [Fact]
    public async Task AReleasedCodeIsGoneAndGivesBackItsPlaceInTheHour()
    {
        var phone = NewPhone();
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("111111"), TimeSpan.FromMinutes(5), 2, None));
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("222222"), TimeSpan.FromMinutes(5), 2, None));

        await Hot.ReleaseOtpAsync(phone, Hash("222222"), None);

        Assert.Equal(OtpCheck.Missing, await Hot.CheckOtpAsync(phone, Hash("222222"), 5, 10, None));
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("333333"), TimeSpan.FromMinutes(5), 2, None));
        Assert.False(await Hot.TryStoreOtpAsync(phone, Hash("444444"), TimeSpan.FromMinutes(5), 2, None));
    }

    [Fact]
    public async Task ReleasingAnEarlierCodeLeavesTheCurrentOneAlone()
    {
        var phone = NewPhone();
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("111111"), TimeSpan.FromMinutes(5), 5, None));
        Assert.True(await Hot.TryStoreOtpAsync(phone, Hash("222222"), TimeSpan.FromMinutes(5), 5, None));

        await Hot.ReleaseOtpAsync(phone, Hash("111111"), None);

        Assert.Equal(OtpCheck.Valid, await Hot.CheckOtpAsync(phone, Hash("222222"), 5, 10, None));
    }
}
