using CityPass.Core.Citizens;
using CityPass.Core.Tokens;
using CityPass.Server.Citizens;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace CityPass.Cluster.Tests;

/// <summary>
/// Every type that crosses a grain boundary comes back equal through the Orleans serializer, with no
/// member left at its default: a member without an [Id] is silently not serialized, and would show here.
/// </summary>
public sealed class SerializationTests
{
    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(s => s.AddAssembly(typeof(ICitizenGrain).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    private static readonly DateTimeOffset At = new(2026, 12, 2, 8, 30, 15, TimeSpan.FromHours(8));

    private static readonly Citizen Zhang = new(
        CitizenPseudonym.NewRandom(), "EXT-7", "+8613800000001", "张三", new CitizenStatus(StatusColour.Yellow, 7, "close contact", At),
        Credentials.HealthRecord | Credentials.SocialSecurityCard, At.AddDays(-30));

    private static T RoundTrip<T>(T value) => Serializer.Deserialize<T>(Serializer.SerializeToArray(value))!;

    [Fact]
    public void ACitizenComesBackWhole()
    {
        Assert.Equal(Zhang, RoundTrip(Zhang));
        Assert.Equal(Zhang with { ExternalId = null }, RoundTrip(Zhang with { ExternalId = null }));
    }

    [Fact]
    public void CoreValuesComeBackThroughTheirSurrogates()
    {
        var pseudonym = new CitizenPseudonym(UInt128.MaxValue - 12345);
        Assert.Equal(pseudonym, RoundTrip(pseudonym));
        Assert.Equal(Zhang.Status, RoundTrip(Zhang.Status));
        var pass = new IssuedPass("CP1:TEXT", TokenId.NewRandom(), At, At.AddSeconds(60));
        Assert.Equal(pass, RoundTrip(pass));
    }

    [Fact]
    public void APassComesBackWithItsCitizenAndTheKeysThatSignedIt()
    {
        var pass = new CitizenPass(new IssuedPass("CP1:TEXT", TokenId.NewRandom(), At, At.AddSeconds(60)), At.AddSeconds(45), Zhang, Signer: 2 << 8 | 3);

        var back = RoundTrip(pass);

        Assert.Equal(pass.Pass, back.Pass);
        Assert.Equal(pass.RefreshAfter, back.RefreshAfter);
        Assert.Equal(pass.Citizen, back.Citizen);
        Assert.Equal(pass.Signer, back.Signer);
    }

    [Fact]
    public void StatusChangeOutcomesComeBackWhole()
    {
        var changed = new StatusChangeOutcome(StatusChangeKind.Changed, Zhang, new CitizenStatus(StatusColour.Green, 6, "initial", At.AddDays(-1)), 42);
        Assert.Equal(changed, RoundTrip(changed));
        Assert.Equal(new StatusChangeOutcome(StatusChangeKind.Conflict), RoundTrip(new StatusChangeOutcome(StatusChangeKind.Conflict)));
    }

    [Fact]
    public void EveryGeneratedSerializerTypeOfTheServerIdentifiesEachOfItsMembers()
    {
        // The round trips above cover the types in use; this keeps a type added later from missing an [Id].
        var types = typeof(ICitizenGrain).Assembly.GetTypes().Where(t => t.IsDefined(typeof(GenerateSerializerAttribute), false)).ToList();
        Assert.NotEmpty(types);
        foreach (var type in types.Where(t => !t.IsEnum))
        {
            foreach (var property in type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance).Where(p => p.DeclaringType == type && p.CanWrite))
            {
                Assert.True(property.IsDefined(typeof(IdAttribute), false), $"{type.Name}.{property.Name} has no [Id]: Orleans would not serialize it.");
            }
        }
    }
}
