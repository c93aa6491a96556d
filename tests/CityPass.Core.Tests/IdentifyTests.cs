using CityPass.Core.Citizens;
using CityPass.Core.Identify;
using CityPass.Core.Venues;

namespace CityPass.Core.Tests;

public sealed class MemberIdTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private static readonly Guid Library = Guid.Parse("6f1c1d0e-0000-4000-8000-000000000001");
    private static readonly Guid Clinic = Guid.Parse("6f1c1d0e-0000-4000-8000-000000000002");
    private static readonly CitizenPseudonym Zhang = new((UInt128)123456789012345678UL * 1_000_000_000_000UL + 1);
    private static readonly CitizenPseudonym Li = new((UInt128)123456789012345678UL * 1_000_000_000_000UL + 2);

    [Fact]
    public void TheSameCitizenAtTheSameVenueAlwaysGetsTheSameId()
    {
        var id = MemberIds.Derive(Key, Library, Zhang);
        Assert.Equal(id, MemberIds.Derive(Key, Library, Zhang));
        Assert.Equal(MemberIds.Length, id.Length);
        Assert.True(MemberIds.IsMemberId(id), id);
    }

    [Fact]
    public void IdsDifferAcrossVenuesCitizensAndKeys()
    {
        var id = MemberIds.Derive(Key, Library, Zhang);
        Assert.NotEqual(id, MemberIds.Derive(Key, Clinic, Zhang));
        Assert.NotEqual(id, MemberIds.Derive(Key, Library, Li));
        var otherKey = (byte[])Key.Clone();
        otherKey[0] ^= 1;
        Assert.NotEqual(id, MemberIds.Derive(otherKey, Library, Zhang));
    }

    [Fact]
    public void TheIdIsTheTruncatedHmacOfVenueAndPseudonymInCrockfordBase32()
    {
        // Computed independently: HMAC-SHA256(key, venue uuid bytes big-endian || pseudonym big-endian), first 10 bytes.
        var input = new byte[32];
        Library.TryWriteBytes(input.AsSpan(0, 16), bigEndian: true, out _);
        Zhang.Write(input.AsSpan(16));
        var mac = System.Security.Cryptography.HMACSHA256.HashData(Key, input);
        var bits = string.Concat(mac.Take(10).Select(b => Convert.ToString(b, 2).PadLeft(8, '0')));
        var expected = string.Concat(Enumerable.Range(0, 16).Select(i => "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[Convert.ToInt32(bits.Substring(i * 5, 5), 2)]));
        Assert.Equal(expected, MemberIds.Derive(Key, Library, Zhang));
    }

    [Fact]
    public void ComparisonIsExact()
    {
        var id = MemberIds.Derive(Key, Library, Zhang);
        Assert.True(MemberIds.AreEqual(id, new string(id.ToCharArray())));
        Assert.False(MemberIds.AreEqual(id, MemberIds.Derive(Key, Clinic, Zhang)));
        Assert.False(MemberIds.AreEqual(id, id[..^1]));
        Assert.False(MemberIds.AreEqual(id, null));
    }

    [Fact]
    public void AShortKeyIsRefused() => Assert.Throws<ArgumentException>(() => MemberIds.Derive(new byte[16], Library, Zhang));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0123456789ABCDEF0")]
    [InlineData("0123456789ABCDEI")]
    [InlineData("0123456789abcdef")]
    public void TextsThatAreNotMemberIds(string? text) => Assert.False(MemberIds.IsMemberId(text));
}

public sealed class AgeBandTests
{
    [Theory]
    [InlineData(2026, 2026, "0-17")]
    [InlineData(2009, 2026, "0-17")]
    [InlineData(2008, 2026, "18-29")]
    [InlineData(1997, 2026, "18-29")]
    [InlineData(1996, 2026, "30-44")]
    [InlineData(1982, 2026, "30-44")]
    [InlineData(1981, 2026, "45-59")]
    [InlineData(1967, 2026, "45-59")]
    [InlineData(1966, 2026, "60-74")]
    [InlineData(1952, 2026, "60-74")]
    [InlineData(1951, 2026, "75+")]
    [InlineData(1900, 2026, "75+")]
    public void TheBandIsThatOfTheAgeReachedThisYear(int birthYear, int currentYear, string band) => Assert.Equal(band, AgeBands.Of(birthYear, currentYear));

    [Theory]
    [InlineData(2027, 2026)]
    [InlineData(1899, 2026)]
    public void AYearNoLivingCitizenWasBornInHasNoBand(int birthYear, int currentYear)
    {
        Assert.Null(AgeBands.Of(birthYear, currentYear));
        Assert.False(AgeBands.IsBirthYear(birthYear, currentYear));
    }

    [Fact]
    public void EveryBandIsReachedOnce() =>
        Assert.Equal(AgeBands.All, Enumerable.Range(0, 2026 - AgeBands.MinBirthYear + 1).Select(age => AgeBands.Of(2026 - age, 2026)).Distinct());
}

public sealed class IdentifyPolicyTests
{
    [Fact]
    public void ClaimsRoundTripThroughThePolicyDocument()
    {
        var policy = new VenuePolicy { Identify = true, IdentifyClaims = IdentityClaims.MaskedName | IdentityClaims.EIdVerified };
        var document = VenuePolicyDocument.From(policy);
        Assert.Equal(["masked_name", "eid_verified"], document.IdentifyClaims);
        Assert.Equal(policy, VenuePolicyDocument.ParseStored(document.ToJson()));
    }

    [Fact]
    public void AStoredPolicyFromBeforeIdentifyReadsAsNotIdentifying()
    {
        var policy = VenuePolicyDocument.ParseStored("""{"allowedColours":["green"],"capacity":10}""");
        Assert.False(policy.Identify);
        Assert.Equal(IdentityClaims.None, policy.IdentifyClaims);
    }

    [Fact]
    public void ClaimsWithoutIdentifyAndUnknownClaimsAreRefusedNamingTheField()
    {
        var (none, errors) = new VenuePolicyDocument(null, null, null, null, null, null, IdentifyClaims: ["age_band"]).ToPolicy();
        Assert.Null(none);
        Assert.Equal(["identifyClaims"], errors.Keys);
        (none, errors) = new VenuePolicyDocument(null, null, null, null, null, null, Identify: true, IdentifyClaims: ["national_id"]).ToPolicy();
        Assert.Null(none);
        Assert.Equal(["identifyClaims"], errors.Keys);
        Assert.Contains("Identify claims", string.Join(" ", new VenuePolicy { IdentifyClaims = IdentityClaims.AgeBand }.Validate()), StringComparison.Ordinal);
        Assert.NotEmpty(new VenuePolicy { Identify = true, IdentifyClaims = (IdentityClaims)64 }.Validate());
    }
}
