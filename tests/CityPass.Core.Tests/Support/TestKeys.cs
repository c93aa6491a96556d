using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Testing;

namespace CityPass.Core.Tests.Support;

/// <summary>Key sets made once per test run (SM2 key generation is slow enough to matter).</summary>
public static class TestKeys
{
    public static readonly DateTimeOffset Activation = TestClock.Start.AddDays(-20);
    public static readonly IssuerId Shanghai = new(310000);
    public static readonly IssuerId Hangzhou = new(330100);

    public static IssuerKeySet ShanghaiEs256 { get; } = IssuerKeySet.Generate(Shanghai, SignatureSuite.Es256, Activation);

    public static IssuerKeySet HangzhouSm2 { get; } = IssuerKeySet.Generate(Hangzhou, SignatureSuite.Sm2Sm3, Activation);

    public static IssuerKeySet For(SignatureSuite suite) => suite switch
    {
        SignatureSuite.Es256 => ShanghaiEs256,
        SignatureSuite.Sm2Sm3 => HangzhouSm2,
    };

    public static CitizenPassState Citizen(StatusColour colour = StatusColour.Green, uint version = 1, Credentials credentials = Credentials.HealthRecord) =>
        new(CitizenPseudonym.NewRandom(), colour, version, credentials);
}
