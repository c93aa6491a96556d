using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Server.Citizens;
using CityPass.Server.Scans;
using CityPass.Testing;

namespace CityPass.Server.HotState.Tests;

/// <summary>Verified passes and scan attempts as the scan endpoint would hand them to the hot state.</summary>
public static class Passes
{
    public static readonly IssuerId ThisCity = new(310000);
    public static readonly IssuerId OtherCity = new(330100);

    /// <summary>A whole millisecond, so what Redis stores (Unix ms) equals what the embedded store keeps.</summary>
    public static readonly DateTimeOffset Now = TestClock.Start;

    /// <summary>Admits anyone at any time: used to set a situation up, never to test a rule.</summary>
    public static readonly VenuePolicy OpenDoor = new() { AllowedColours = StatusColours.All, AntiPassback = false };

    /// <summary>The same with anti-passback, the only policy under which who is inside is kept: sets a citizen up inside.</summary>
    public static readonly VenuePolicy OpenDoorWithAntiPassback = OpenDoor with { AntiPassback = true };

    public static CitizenHotState NewCitizen(StatusColour colour = StatusColour.Green, uint version = 1, Credentials credentials = Credentials.None,
        string maskedName = "欧*明") =>
        new(CitizenPseudonym.NewRandom(), colour, version, credentials, maskedName);

    /// <summary>A fresh pass of this city for the citizen, by default carrying their current status.</summary>
    public static PassClaims Of(CitizenHotState citizen, StatusColour? colour = null, uint? version = null, Credentials? credentials = null) =>
        new(ThisCity, SignatureSuite.Es256, 1, 1, Now.AddSeconds(-5), Now.AddMinutes(1),
            colour ?? citizen.Colour, version ?? citizen.StatusVersion, credentials ?? citizen.Credentials, TokenId.NewRandom(), citizen.Id);

    /// <summary>Another city's pass: no identity this city can read.</summary>
    public static PassClaims Foreign(StatusColour colour = StatusColour.Green, Credentials credentials = Credentials.None) =>
        new(OtherCity, SignatureSuite.Es256, 1, 1, Now.AddSeconds(-5), Now.AddMinutes(1), colour, 1, credentials, TokenId.NewRandom(), null);

    public static ScanAttempt Attempt(Guid venueId, PassClaims claims, ScanDirection direction = ScanDirection.In, VenuePolicy? policy = null,
        Guid? gateId = null, Guid? scanId = null) =>
        new(scanId ?? Guid.NewGuid(), gateId ?? Guid.NewGuid(), venueId, direction, claims, policy ?? OpenDoor, Now.AddMilliseconds(-120), Now)
        {
            DedupeWindow = new ScanOptions().DedupeWindow,
        };

    /// <summary>The same scan sent two days after the gate made it, as the scan service hands a late upload on.</summary>
    public static ScanAttempt UploadedLate(ScanAttempt attempt) => attempt with { ScannedAt = Now.AddDays(-2), LateUpload = true };
}
