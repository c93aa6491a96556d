using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tests.Support;
using CityPass.Testing;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;

namespace CityPass.Core.Tests;

public class EntryRulesTests
{
    private static readonly DateTimeOffset Now = TestClock.Start; // a Saturday, 16:00 in Shanghai
    private static readonly CitizenPseudonym Someone = CitizenPseudonym.NewRandom();
    private static readonly VenueSituation Empty = new(Occupancy: 0, CitizenInside: false, HasBooking: false, TokenAlreadyEntered: false);

    private static PassClaims Pass(StatusColour colour = StatusColour.Green, uint version = 1, Credentials credentials = Credentials.HealthRecord, bool own = true) =>
        new(new IssuerId(310000), SignatureSuite.Es256, 1, 1, Now, Now.AddMinutes(1), colour, version, credentials, TokenId.NewRandom(), own ? Someone : null);

    private static CitizenSnapshot Current(StatusColour colour = StatusColour.Green, uint version = 1, Credentials credentials = Credentials.HealthRecord) =>
        new(colour, version, credentials, "张小三");

    private static EntryDecision In(PassClaims pass, CitizenSnapshot? current, VenuePolicy? policy = null, VenueSituation? situation = null) =>
        EntryRules.Decide(pass, current, policy ?? VenuePolicy.Default, situation ?? Empty, ScanDirection.In, Now);

    [Fact]
    public void AGreenPassEntersAndOccupancyGrows()
    {
        var d = In(Pass(), Current(), situation: Empty with { Occupancy = 9 });
        Assert.Equal((true, DecisionCode.Allowed, StatusColour.Green, "张*三", 10), (d.Allowed, d.Code, d.Colour, d.DisplayName, d.OccupancyAfter));
    }

    [Fact]
    public void AnOldPassOfACitizenNowRedIsDeniedByTheCurrentStatus()
    {
        var d = In(Pass(StatusColour.Green, version: 3), Current(StatusColour.Red, version: 4));
        Assert.Equal((false, DecisionCode.StatusNotAllowed, StatusColour.Red), (d.Allowed, d.Code, d.Colour));
        Assert.Equal("status_not_allowed", d.Code.ToCode());
    }

    [Fact]
    public void APassNewerThanTheHotCopyIsJudgedByItself()
    {
        // The hot copy missed a push (still red v4); the issuer minted this pass from green v5.
        var d = In(Pass(StatusColour.Green, version: 5), Current(StatusColour.Red, version: 4));
        Assert.True(d.Allowed);
        Assert.Equal(StatusColour.Green, d.Colour);
    }

    [Theory]
    [InlineData(StatusColour.Green, StatusColours.Green, true)]
    [InlineData(StatusColour.Yellow, StatusColours.Green, false)]
    [InlineData(StatusColour.Yellow, StatusColours.Green | StatusColours.Yellow, true)]
    [InlineData(StatusColour.Red, StatusColours.All, true)]
    [InlineData(StatusColour.Red, StatusColours.Green | StatusColours.Yellow, false)]
    public void AllowedColoursDecide(StatusColour colour, StatusColours allowed, bool expected) =>
        Assert.Equal(expected, In(Pass(colour), Current(colour), new VenuePolicy { AllowedColours = allowed }).Allowed);

    [Fact]
    public void AMissingRequiredCredentialIsDenied()
    {
        var clinic = new VenuePolicy { RequiredCredentials = Credentials.SocialSecurityCard | Credentials.EIdVerified };
        Assert.Equal(DecisionCode.CredentialMissing, In(Pass(), Current(credentials: Credentials.EIdVerified), clinic).Code);
        Assert.True(In(Pass(), Current(credentials: Credentials.EIdVerified | Credentials.SocialSecurityCard), clinic).Allowed);
    }

    [Fact]
    public void CurrentCredentialsOverrideThoseThePassCarries()
    {
        var clinic = new VenuePolicy { RequiredCredentials = Credentials.SocialSecurityCard };
        Assert.Equal(DecisionCode.CredentialMissing, In(Pass(credentials: Credentials.SocialSecurityCard), Current(credentials: Credentials.None), clinic).Code);
    }

    [Fact]
    public void AForeignPassProvesOnlyTheCredentialsTheVenueTrustsOtherCitiesFor()
    {
        var foreign = Pass(credentials: Credentials.SocialSecurityCard | Credentials.EIdVerified, own: false);
        var clinic = new VenuePolicy { RequiredCredentials = Credentials.SocialSecurityCard, AntiPassback = false };

        Assert.Equal(DecisionCode.CredentialMissing, In(foreign, null, clinic).Code); // health only, by default
        Assert.True(In(foreign, null, clinic with { ForeignCredentials = Credentials.SocialSecurityCard }).Allowed);
        Assert.Equal(DecisionCode.CredentialMissing, In(foreign, null, clinic with { ForeignCredentials = Credentials.EIdVerified }).Code);
        // This city's own citizens are judged by the city's record, whatever the setting.
        Assert.True(In(Pass(), Current(credentials: Credentials.SocialSecurityCard), clinic).Allowed);
    }

    [Fact]
    public void AVenueThatNeedsABookingDeniesWithoutOne()
    {
        var theatre = new VenuePolicy { RequiresBooking = true };
        Assert.Equal(DecisionCode.BookingRequired, In(Pass(), Current(), theatre).Code);
        Assert.True(In(Pass(), Current(), theatre, Empty with { HasBooking = true }).Allowed);
    }

    [Fact]
    public void AClosedVenueDenies()
    {
        var weekdays = new VenuePolicy
        {
            Hours = new OpeningHours("Asia/Shanghai", [new OpeningPeriod(DayOfWeek.Monday, new TimeOnly(9, 0), new TimeOnly(17, 0))]),
        };
        Assert.Equal(DecisionCode.VenueClosed, In(Pass(), Current(), weekdays).Code);
    }

    [Fact]
    public void AFullVenueDeniesAndAVenueWithRoomAdmits()
    {
        var small = new VenuePolicy { Capacity = 10 };
        Assert.Equal(DecisionCode.VenueFull, In(Pass(), Current(), small, Empty with { Occupancy = 10 }).Code);
        Assert.Equal(10, In(Pass(), Current(), small, Empty with { Occupancy = 9 }).OccupancyAfter);
        Assert.Equal(DecisionCode.VenueFull, In(Pass(), Current(), new VenuePolicy { Capacity = 0 }).Code);
    }

    [Fact]
    public void AntiPassbackDeniesASecondEntryAndAnExitWithoutEntry()
    {
        Assert.Equal(DecisionCode.AlreadyInside, In(Pass(), Current(), situation: Empty with { CitizenInside = true }).Code);
        var exit = EntryRules.Decide(Pass(), Current(), VenuePolicy.Default, Empty, ScanDirection.Out, Now);
        Assert.Equal(DecisionCode.NotInside, exit.Code);
        Assert.Equal("not_inside", exit.Code.ToCode());

        var relaxed = VenuePolicy.Default with { AntiPassback = false };
        Assert.True(In(Pass(), Current(), relaxed, Empty with { CitizenInside = true }).Allowed);
        Assert.True(EntryRules.Decide(Pass(), Current(), relaxed, Empty, ScanDirection.Out, Now).Allowed);
    }

    [Fact]
    public void ARedCitizenMayAlwaysLeaveAndOccupancyShrinks()
    {
        var d = EntryRules.Decide(Pass(StatusColour.Red), Current(StatusColour.Red), new VenuePolicy { Capacity = 5 },
            Empty with { CitizenInside = true, Occupancy = 5 }, ScanDirection.Out, Now);
        Assert.Equal((true, DecisionCode.Allowed, StatusColour.Red, 4), (d.Allowed, d.Code, d.Colour, d.OccupancyAfter));
    }

    [Fact]
    public void OccupancyNeverGoesBelowZero() =>
        Assert.Equal(0, EntryRules.Decide(Pass(), Current(), VenuePolicy.Default with { AntiPassback = false }, Empty, ScanDirection.Out, Now).OccupancyAfter);

    [Fact]
    public void APassThatAlreadyOpenedThisEntryIsAReplay() =>
        Assert.Equal(DecisionCode.TokenReplayed, In(Pass(), Current(), situation: Empty with { TokenAlreadyEntered = true }).Code);

    [Fact]
    public void AnOwnPassOfAnUnknownCitizenIsDenied()
    {
        var d = In(Pass(), current: null);
        Assert.Equal((false, DecisionCode.CitizenUnknown, "*"), (d.Allowed, d.Code, d.DisplayName));
    }

    [Fact]
    public void AForeignPassIsJudgedByItsOwnClaims()
    {
        Assert.True(In(Pass(own: false), current: null).Allowed);
        Assert.Equal(DecisionCode.StatusNotAllowed, In(Pass(StatusColour.Yellow, own: false), current: null).Code);
    }

    [Fact]
    public void AForeignPassCanLeaveEvenUnderAntiPassback() =>
        Assert.True(EntryRules.Decide(Pass(own: false), current: null, VenuePolicy.Default, Empty, ScanDirection.Out, Now).Allowed);

    [Fact]
    public void HealthIsJudgedBeforeCapacitySoARedCitizenSeesTheHealthReason() =>
        Assert.Equal(DecisionCode.StatusNotAllowed,
            In(Pass(StatusColour.Red), Current(StatusColour.Red), new VenuePolicy { Capacity = 1 }, Empty with { Occupancy = 1, CitizenInside = true }).Code);

    [Fact]
    public void EveryDecisionCodeHasADistinctStableCode()
    {
        var codes = Enum.GetValues<DecisionCode>().Select(c => c.ToCode()).ToList();
        Assert.Equal(codes.Count, codes.Distinct().Count());
        Assert.All(codes, c => Assert.Matches("^[a-z_]+$", c));
    }

    [Fact]
    public void PolicyValidationNamesEachProblem()
    {
        Assert.Empty(VenuePolicy.Default.Validate());
        var bad = new VenuePolicy
        {
            AllowedColours = (StatusColours)0x80,
            RequiredCredentials = (Credentials)0x100,
            Capacity = -1,
            Hours = new OpeningHours("Mars/Olympus_Mons", []),
        };
        Assert.Equal(4, bad.Validate().Count);
    }
}
