using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Server.Scans;

namespace CityPass.Server.HotState.Tests;

public enum Booking
{
    NotRequired,
    Booked,
    NotBooked,
}

public enum Room
{
    Unlimited,
    HasRoom,
    Full,
}

/// <summary>
/// One situation at a gate, set up through the hot state's own interface and then decided by it
/// and by <see cref="EntryRules.Decide"/> for comparison. Own passes carry a colour that differs
/// from the citizen's current one and opposite credentials, so the version comparison and "the
/// city's credentials win" are visible in every case, and the same pass scanned again shows what the scan left behind.
/// <see cref="LateUpload"/>: the scan is sent as a late upload,
/// which must be decided alike, flagged, and leave the venue exactly as it was: a live scan of the same pass right
/// after it is then decided as the late one was, and takes effect.
/// </summary>
public sealed record DecisionCase(
    bool OwnPass,
    StatusColour Current,
    StatusColours Admitted,
    int TokenVersionDelta,
    bool HasCredentials,
    Booking Booking,
    bool Inside,
    ScanDirection Direction,
    bool AntiPassback,
    Room Room,
    bool Replayed,
    bool Open = true,
    bool LateUpload = false)
{
    private const uint CurrentVersion = 5;
    private const Credentials Required = Credentials.SocialSecurityCard;
    private static readonly OpeningHours ClosedNow = new("UTC", [new OpeningPeriod(Passes.Now.AddDays(3).DayOfWeek, new TimeOnly(1, 0), new TimeOnly(2, 0))]);
    private static readonly OpeningHours OpenNow = new("UTC", [new OpeningPeriod(Passes.Now.DayOfWeek, new TimeOnly(0, 0), new TimeOnly(23, 59))]);

    private static readonly StatusColours[] AdmittedSets = [StatusColours.Green, StatusColours.Green | StatusColours.Yellow, StatusColours.Yellow | StatusColours.Red];

    /// <summary>Every combination, minus the ones a foreign pass cannot be in (it has no identity: no version, booking or presence).</summary>
    public static IEnumerable<DecisionCase> All() =>
        from own in new[] { true, false }
        from current in Enum.GetValues<StatusColour>()
        from admitted in AdmittedSets
        from delta in new[] { -1, 0, 1 }
        from credentials in new[] { true, false }
        from booking in Enum.GetValues<Booking>()
        from inside in new[] { true, false }
        from direction in Enum.GetValues<ScanDirection>()
        from antiPassback in new[] { true, false }
        from room in Enum.GetValues<Room>()
        from replayed in new[] { true, false }
        where own || (delta == 0 && booking != Booking.Booked && !inside)
        select new DecisionCase(own, current, admitted, delta, credentials, booking, inside, direction, antiPassback, room, replayed);

    /// <summary>Sets the case up at a fresh venue, scans, and says what differs from EntryRules.Decide (null when nothing).</summary>
    public async Task<string?> RunAsync(IHotState hot, CancellationToken cancellationToken)
    {
        var venue = Guid.NewGuid();
        var held = HasCredentials ? Required : Credentials.None;
        var citizen = Passes.NewCitizen(Current, CurrentVersion, held);
        var claims = OwnPass
            ? Passes.Of(citizen, (StatusColour)(((int)Current + 1) % 3), (uint)(CurrentVersion + TokenVersionDelta), HasCredentials ? Credentials.None : Required)
            : Passes.Foreign(Current, held);
        if (OwnPass) await hot.PutCitizenAsync(citizen, cancellationToken);
        if (Booking == Booking.Booked) await hot.SetBookingAsync(venue, citizen.Id, true, cancellationToken);

        // Someone else inside, so an exit has something to take away.
        if (!await SetUpAsync(hot, Passes.Attempt(venue, Passes.Foreign()), cancellationToken)) return "set-up: filler entry refused";
        if (Replayed)
        {
            if (!await SetUpAsync(hot, Passes.Attempt(venue, claims), cancellationToken)) return "set-up: first entry refused";
            var another = OwnPass ? Passes.Of(citizen) : Passes.Foreign();
            if (!await SetUpAsync(hot, Passes.Attempt(venue, another, ScanDirection.Out), cancellationToken)) return "set-up: exit refused";
        }
        if (Inside && !await SetUpAsync(hot, Passes.Attempt(venue, Passes.Of(citizen), policy: Passes.OpenDoorWithAntiPassback), cancellationToken)) return "set-up: entry refused";

        var occupancy = await hot.GetOccupancyAsync(venue, cancellationToken);
        var policy = new VenuePolicy
        {
            AllowedColours = Admitted,
            RequiredCredentials = Required,
            Capacity = Room switch { Room.Unlimited => null, Room.HasRoom => occupancy + 1, Room.Full => occupancy },
            AntiPassback = AntiPassback,
            RequiresBooking = Booking != Booking.NotRequired,
            Hours = Open ? OpenNow : ClosedNow,
            // Anti-passback never applies to a foreign pass, so its flag doubles as this one's: both settings of which
            // foreign credentials count are compared without doubling the matrix.
            ForeignCredentials = AntiPassback ? Required : Credentials.None,
        };
        var snapshot = OwnPass ? new CitizenSnapshot(Current, CurrentVersion, held, null) : (CitizenSnapshot?)null;
        var expected = EntryRules.Decide(claims, snapshot, policy,
            new VenueSituation(occupancy, Inside, Booking == Booking.Booked, Replayed), Direction, Passes.Now);

        var name = OwnPass ? citizen.MaskedName : "*";
        if (LateUpload)
        {
            var late = await hot.ScanAsync(Passes.UploadedLate(Passes.Attempt(venue, claims, Direction, policy)), cancellationToken);
            if (Differs(late, expected with { OccupancyAfter = occupancy }, name, await hot.GetOccupancyAsync(venue, cancellationToken), lateUpload: true) is { } lateFailure)
            {
                return "late upload: " + lateFailure;
            }
        }
        var outcome = await hot.ScanAsync(Passes.Attempt(venue, claims, Direction, policy), cancellationToken);
        if (Differs(outcome, expected, name, await hot.GetOccupancyAsync(venue, cancellationToken), lateUpload: false) is { } failure) return failure;

        // What it left behind, seen by the same pass scanned again (another scan id): a refusal nothing, so it is decided
        // alike (the script's checks make an admission's changes and take them back on a refusal); an admitted entry its
        // replay mark; an admitted exit under anti-passback the citizen out.
        var again = await hot.ScanAsync(Passes.Attempt(venue, claims, Direction, policy), cancellationToken);
        var expectedAgain = (expected.Allowed, Direction) switch
        {
            (false, _) => (expected.Code, expected.OccupancyAfter),
            (true, ScanDirection.In) => (DecisionCode.TokenReplayed, expected.OccupancyAfter),
            (true, _) when AntiPassback && OwnPass => (DecisionCode.NotInside, expected.OccupancyAfter),
            (true, _) => (DecisionCode.Allowed, Math.Max(0, expected.OccupancyAfter - 1)),
        };
        return again is { Duplicate: false } && (again.Record.Code, again.Occupancy) == expectedAgain
            ? null
            : $"scanned again: expected {expectedAgain.Item1}/occupancy {expectedAgain.Item2}, got {again?.Record.Code}/occupancy {again?.Occupancy}";
    }

    private static string? Differs(ScanOutcome? outcome, EntryDecision expected, string name, int stored, bool lateUpload)
    {
        if (outcome is null) return "no decision";
        var record = outcome.Record;
        if (record.Allowed != expected.Allowed || record.Code != expected.Code || record.Colour != expected.Colour || record.DisplayName != name
            || outcome.Occupancy != expected.OccupancyAfter || stored != expected.OccupancyAfter || outcome.Duplicate || record.LateUpload != lateUpload)
        {
            return $"expected {expected.Code}/{expected.Colour}/{name}/occupancy {expected.OccupancyAfter}/late {lateUpload}, " +
                $"got {record.Code}/{record.Colour}/{record.DisplayName}/occupancy {outcome.Occupancy} (stored {stored})/late {record.LateUpload}";
        }
        return null;
    }

    private static async Task<bool> SetUpAsync(IHotState hot, ScanAttempt attempt, CancellationToken cancellationToken) =>
        (await hot.ScanAsync(attempt, cancellationToken))?.Record.Allowed == true;
}
