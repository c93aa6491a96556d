using System.Globalization;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tests.Support;
using CityPass.Core.Tokens;
using CityPass.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Core.Tests;

/// <summary>
/// Plays the collector of issue 19: someone who gathers passes at gates (a venue, a scanner app, photos of screens)
/// and tries to follow citizens from pass to pass. 1,000 passes of 100 citizens of two cities, with status versions
/// and credentials as uneven as a city's (most small and common, some large or rare, some changing mid-way), are
/// grouped by every clear field and by every byte position of the decoded payload, within each (issuer, colour)
/// class. A group of <see cref="LinkingGroup"/> or more passes that all belong to one citizen links them, beyond what
/// the colour and the issuer already say. v2 must give no such group; v1 gives them (so the check can fail).
/// </summary>
public class CollectorTests
{
    private const int Citizens = 100;
    private const int PassesEach = 10;

    // Random bytes make groups of 5 all of one citizen with a probability below 1e-6 per byte position at this
    // population (a green class holds 70 citizens of 10 passes each): a group that large is a link, not chance.
    private const int LinkingGroup = 5;

    private static readonly IssuerKeySet Shanghai = TestKeys.ShanghaiEs256;
    private static readonly IssuerKeySet Hangzhou = TestKeys.HangzhouSm2;

    [Fact]
    public void NoClearFieldOrByteOfAV2PassLinksTwoPassesOfOneCitizen()
    {
        var links = Links(Collect(PassFormat.V2));
        Assert.True(links.Count == 0, "v2 passes linked:\n" + string.Join('\n', links));
    }

    [Fact]
    public void TheCollectorFollowsCitizensThroughV1PassesByTheirVersionAndCredentials()
    {
        var links = Links(Collect(PassFormat.V1));
        Assert.Contains(links, l => l.StartsWith("status version", StringComparison.Ordinal));
        Assert.Contains(links, l => l.StartsWith("credentials", StringComparison.Ordinal));
        Assert.Contains(links, l => l.StartsWith("byte 1", StringComparison.Ordinal)); // bytes 15..20 hold them
    }

    private sealed record Collected(int Citizen, string Text, PassFields Fields, byte[] Payload);

    /// <summary>1,000 passes, as a collector would gather them over 100 minutes: ten rounds, each citizen once a round.</summary>
    private static List<Collected> Collect(PassFormat format)
    {
        var random = new Random(19);
        var citizens = Enumerable.Range(0, Citizens).Select(i => NewCitizen(i, random)).ToList();
        var clock = new FakeTimeProvider(TestClock.Start);
        var issuers = new Dictionary<IssuerId, PassIssuer> { [Shanghai.Issuer] = new(Shanghai, clock), [Hangzhou.Issuer] = new(Hangzhou, clock) };
        var passes = new List<Collected>();
        for (var round = 0; round < PassesEach; round++)
        {
            foreach (var (c, i) in citizens.Select((c, i) => (c, i)))
            {
                // A few citizens' status changes mid-way (an appeal decided, a record corrected): the version moves on.
                var state = round >= PassesEach / 2 && i % 10 == 3 ? c.State with { StatusVersion = c.State.StatusVersion + 1 } : c.State;
                var at = TestClock.Start.AddMinutes(10 * round).AddSeconds(random.Next(600));
                var text = issuers[c.Issuer].Issue(state, TokenId.NewRandom(), at, format).Text;
                Assert.Equal(TokenFailure.None, PassVerifier.DecodeUnverified(text, out var fields));
                passes.Add(new Collected(i, text, fields, TokenBytes.Payload(text)));
            }
        }
        Assert.Equal(Citizens * PassesEach, passes.Count);
        return passes;
    }

    private sealed record Citizen(IssuerId Issuer, CitizenPassState State);

    private static Citizen NewCitizen(int i, Random random)
    {
        var colour = (i % 10) switch { < 7 => StatusColour.Green, < 9 => StatusColour.Yellow, _ => StatusColour.Red };
        // Most citizens' statuses changed a few times; a fifth changed often (version 37, say).
        var version = random.Next(5) == 0 ? (uint)random.Next(10, 80) : (uint)random.Next(1, 4);
        var credentials = random.Next(100) switch
        {
            < 50 => Credentials.HealthRecord | Credentials.EIdVerified,
            < 75 => Credentials.HealthRecord,
            < 88 => Credentials.EIdVerified,
            < 93 => Credentials.None,
            < 96 => Credentials.HealthRecord | Credentials.EIdVerified | Credentials.SocialSecurityCard,
            < 98 => Credentials.SocialSecurityCard,
            _ => Credentials.EIdVerified | Credentials.SocialSecurityCard,
        };
        var issuer = i % 3 == 0 ? Hangzhou.Issuer : Shanghai.Issuer;
        return new Citizen(issuer, new CitizenPassState(CitizenPseudonym.NewRandom(), colour, version, credentials));
    }

    /// <summary>Every grouping the collector can make, and the groups among them that single out one citizen.</summary>
    private static List<string> Links(List<Collected> passes)
    {
        var features = new List<(string Name, Func<Collected, string> Key)>
        {
            ("prefix", p => p.Text[..PassTokenFormat.PrefixLength]),
            ("suite", p => p.Fields.Suite.ToString()),
            ("key id", p => p.Fields.KeyId.ToString(CultureInfo.InvariantCulture)),
            ("secret id", p => p.Fields.SecretId.ToString(CultureInfo.InvariantCulture)),
            ("issued-at", p => p.Fields.IssuedAtSeconds.ToString(CultureInfo.InvariantCulture)),
            ("lifetime", p => p.Fields.LifetimeSeconds.ToString(CultureInfo.InvariantCulture)),
            ("token id", p => p.Fields.TokenId.ToString()),
            ("status version", p => p.Fields.StatusVersion?.ToString(CultureInfo.InvariantCulture) ?? "-"),
            ("credentials", p => p.Fields.Credentials?.ToString() ?? "-"),
        };
        for (var b = 0; b < PassTokenFormat.PayloadLength; b++)
        {
            var at = b;
            features.Add(($"byte {at}", p => p.Payload[at].ToString(CultureInfo.InvariantCulture)));
        }

        var citizensPerClass = passes.GroupBy(Class).ToDictionary(g => g.Key, g => g.Select(p => p.Citizen).Distinct().Count());
        var links = new List<string>();
        foreach (var (name, key) in features)
        {
            foreach (var group in passes.GroupBy(p => (Class: Class(p), Value: key(p))))
            {
                var citizens = group.Select(p => p.Citizen).Distinct().ToList();
                if (group.Count() >= LinkingGroup && citizens.Count == 1 && citizensPerClass[group.Key.Class] > 1)
                {
                    links.Add($"{name} = {group.Key.Value} in {group.Key.Class}: {group.Count()} passes, all of citizen {citizens[0]}");
                }
            }
        }
        return links;
    }

    // What the collector is allowed to know anyway: who issued the pass and its colour.
    private static string Class(Collected p) => $"{p.Fields.Issuer}/{p.Fields.Colour}";
}
