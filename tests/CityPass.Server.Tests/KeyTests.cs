using System.Security.Cryptography;
using System.Text;
using CityPass.Server.Citizens;
using CityPass.Server.Keys;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>One configured server secret; a separate key derived from it for each purpose.</summary>
public sealed class KeyTests() : AppTest(StoreMode.Embedded)
{
    private static readonly byte[] Secret = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Keys:ServerSecret"] = Convert.ToBase64String(Secret) };

    // HKDF-SHA256 (RFC 5869) written out with HMAC alone, independently of the implementation: empty salt, one block.
    private static byte[] Hkdf(byte[] secret, string info)
    {
        var prk = HMACSHA256.HashData(new byte[32], secret);
        return HMACSHA256.HashData(prk, Encoding.UTF8.GetBytes(info + "\u0001"));
    }

    [Fact]
    public void TheTokenKeyAndTheCodeKeyAreDerivedFromTheSecretWithTheirOwnLabels()
    {
        var keys = App.Get<KeyMaterial>();

        Assert.Equal(Hkdf(Secret, "citypass/jwt/v1"), keys.JwtKey);
        Assert.Equal(Hkdf(Secret, "citypass/otp/v1"), keys.OtpKey);
        Assert.NotEqual(keys.JwtKey, keys.OtpKey);
        Assert.NotEqual(Secret, keys.JwtKey);
    }

    [Fact]
    public void VenuesMemberIdsHaveAKeyOfTheirOwn()
    {
        var keys = App.Get<KeyMaterial>();

        Assert.Equal(Hkdf(Secret, "citypass/member-id/v1"), keys.MemberIdKey);
        Assert.NotEqual(keys.JwtKey, keys.MemberIdKey);
        Assert.NotEqual(keys.OtpKey, keys.MemberIdKey);
        Assert.NotEqual(Secret, keys.MemberIdKey);
    }

    [Fact]
    public void DerivingIsDeterministicForOneSecretAndDiffersForAnother()
    {
        var other = RandomNumberGenerator.GetBytes(32);

        Assert.Equal(KeyMaterial.DeriveKey(Secret, KeyMaterial.OtpPurpose), KeyMaterial.DeriveKey(Secret.ToArray(), KeyMaterial.OtpPurpose));
        Assert.NotEqual(KeyMaterial.DeriveKey(Secret, KeyMaterial.OtpPurpose), KeyMaterial.DeriveKey(other, KeyMaterial.OtpPurpose));
        Assert.Equal(32, KeyMaterial.DeriveKey(other, KeyMaterial.JwtPurpose).Length);
    }

    [Fact]
    public void OneTimeCodesAreNoLongerHashedWithTheTokenKey()
    {
        var keys = App.Get<KeyMaterial>();
        var message = Encoding.UTF8.GetBytes($"otp:{Phones.ZhangGreen}:123456");

        var hash = App.Get<CitizenSignIn>().HashCode(Phones.ZhangGreen, "123456");

        Assert.NotEqual(HMACSHA256.HashData(keys.JwtKey, message), hash);
        Assert.Equal(HMACSHA256.HashData(keys.OtpKey, message), hash);
    }

    [Theory]
    [InlineData("c2hvcnQ=")]
    [InlineData("not base64 at all")]
    public void AServerSecretUnder32BytesOrNotBase64IsRefused(string secret) =>
        Assert.Contains("Keys:ServerSecret must be base64 of at least 32 bytes.", new KeyOptions { ServerSecret = secret }.Validate());
}
