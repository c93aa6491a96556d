using CityPass.Core.Keys;
using CityPass.Core.Tests.Support;
using CityPass.Testing;
using CityPass.Core.Tokens;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Core.Tests;

/// <summary>
/// Every single-bit flip and every truncation of a valid pass is refused with a code: never
/// accepted, never an exception. In signature mode the sealed facts and the seal's tag are outside what the signature
/// covers (docs/pass-token.md, "Layer 1"), so there a flipped bit in them must leave the claims unchanged.
/// </summary>
public class TamperingTests
{
    private static readonly FakeTimeProvider Clock = new(TestClock.Start);
    private static readonly int SignedBits = (PassTokenV2.HeaderLength + PassTokenFormat.SignatureLength) * 8;
    private static readonly int PayloadBits = PassTokenFormat.PayloadLength * 8;

    private static PassVerifier ByMac(IssuerKeySet keys) => new(new TrustStore([]), Clock, ownKeys: keys);

    private static PassVerifier BySignature(IssuerKeySet keys) => new(new TrustStore([keys.PublicKeys]), Clock);

    private static string NewPass(IssuerKeySet keys) => new PassIssuer(keys, Clock).Issue(TestKeys.Citizen()).Text;

    private static string FlipPayloadBit(string text, int bit) => TokenBytes.Rewrite(text, p => p[bit / 8] ^= (byte)(1 << (bit % 8)));

    private static string FlipTextBit(string text, int bit)
    {
        var chars = text.ToCharArray();
        chars[bit / 7] = (char)(chars[bit / 7] ^ (1 << (bit % 7)));
        return new string(chars);
    }

    private static bool RefusedWithCode(PassVerifier verifier, string text)
    {
        var result = verifier.Verify(text);
        return !result.IsValid && result.Code != "ok" && result.Code.Length > 0;
    }

    [Fact]
    public void EveryPayloadBitFlipIsRefusedByTheIssuersSealCheck()
    {
        var keys = TestKeys.ShanghaiEs256;
        var text = NewPass(keys);
        var verifier = ByMac(keys);
        Assert.True(verifier.Verify(text).IsValid);
        for (var bit = 0; bit < PayloadBits; bit++)
        {
            Assert.True(RefusedWithCode(verifier, FlipPayloadBit(text, bit)), $"payload bit {bit} flipped was accepted");
        }
    }

    [Theory]
    [InlineData(SignatureSuite.Es256)]
    [InlineData(SignatureSuite.Sm2Sm3)]
    public void EverySignedBitFlipIsRefusedBySignatureAndSealedBitsChangeNothing(SignatureSuite suite)
    {
        var keys = TestKeys.For(suite);
        var text = NewPass(keys);
        var verifier = BySignature(keys);
        var original = verifier.Verify(text);
        Assert.True(original.IsValid);
        for (var bit = 0; bit < SignedBits; bit++)
        {
            Assert.True(RefusedWithCode(verifier, FlipPayloadBit(text, bit)), $"signed bit {bit} flipped was accepted");
        }
        for (var bit = SignedBits; bit < PayloadBits; bit++)
        {
            Assert.Equal(original, verifier.Verify(FlipPayloadBit(text, bit)));
        }
    }

    [Fact]
    public void EveryTextBitFlipIsRefusedByBothChecks()
    {
        var keys = TestKeys.ShanghaiEs256;
        var text = NewPass(keys);
        var mac = ByMac(keys);
        var signature = BySignature(keys);
        // Base45 groups two bytes into three characters; the group holding the last signature byte
        // and the first sealed byte is where characters stop being covered by the signature.
        var tagStart = 4 + (PassTokenV2.HeaderLength + PassTokenFormat.SignatureLength) / 2 * 3;
        for (var bit = 0; bit < text.Length * 7; bit++)
        {
            var flipped = FlipTextBit(text, bit);
            Assert.True(RefusedWithCode(mac, flipped), $"text bit {bit} flipped was accepted by tag");
            if (bit / 7 < tagStart) Assert.True(RefusedWithCode(signature, flipped), $"text bit {bit} flipped was accepted by signature");
        }
    }

    [Fact]
    public void EveryTruncationIsRefusedAsMalformed()
    {
        var keys = TestKeys.ShanghaiEs256;
        var text = NewPass(keys);
        var mac = ByMac(keys);
        var signature = BySignature(keys);
        for (var length = 0; length < text.Length; length++)
        {
            Assert.Equal("malformed", mac.Verify(text.AsSpan(0, length)).Code);
            Assert.Equal("malformed", signature.Verify(text.AsSpan(0, length)).Code);
            Assert.Equal("malformed", mac.Verify(text.AsSpan(text.Length - length)).Code);
        }
    }

    [Fact]
    public void RandomPassesWithARandomFlippedBitAreRefused() =>
        Prop.ForAll(
            Gen.Elements(SignatureSuite.Es256, SignatureSuite.Sm2Sm3).ToArbitrary(),
            Gen.Choose(0, PayloadBits - 1).ToArbitrary(),
            (suite, bit) =>
            {
                var keys = TestKeys.For(suite);
                var flipped = FlipPayloadBit(NewPass(keys), bit);
                return RefusedWithCode(ByMac(keys), flipped) && (bit >= SignedBits || RefusedWithCode(BySignature(keys), flipped));
            }).QuickCheckThrowOnFailure();

    [Fact]
    public void RandomTruncationsAndExtensionsAreRefused() =>
        Prop.ForAll(
            Gen.Choose(0, 600).ToArbitrary(),
            Gen.Elements(Base45.Alphabet.ToCharArray()).ToArbitrary(),
            (length, filler) =>
            {
                var text = NewPass(TestKeys.ShanghaiEs256);
                var edited = length <= text.Length ? text[..length] : text + new string(filler, length - text.Length);
                return length == text.Length || RefusedWithCode(ByMac(TestKeys.ShanghaiEs256), edited);
            }).QuickCheckThrowOnFailure();

    /// <summary>Seeded random mutations (replace, insert, delete, swap): no exception, no acceptance.</summary>
    [Fact]
    public void RandomMutationsNeverThrowAndAreNeverAccepted()
    {
        var random = new Random(20261121);
        var keys = TestKeys.ShanghaiEs256;
        var text = NewPass(keys);
        var mac = ByMac(keys);
        var signature = BySignature(keys);
        const string junk = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:abcxyz#\u00e9\u4e2d\0\uffff\ud800";
        for (var i = 0; i < 20_000; i++)
        {
            var chars = new List<char>(text);
            var edits = random.Next(1, 4);
            for (var e = 0; e < edits; e++)
            {
                var at = random.Next(chars.Count);
                switch (random.Next(4))
                {
                    case 0: chars[at] = junk[random.Next(junk.Length)]; break;
                    case 1: chars.Insert(at, junk[random.Next(junk.Length)]); break;
                    case 2: chars.RemoveAt(at); break;
                    default: (chars[at], chars[^1]) = (chars[^1], chars[at]); break;
                }
            }
            var mutated = new string(chars.ToArray());
            if (mutated == text) continue;
            Assert.True(RefusedWithCode(mac, mutated), $"mutation accepted by tag: {mutated}");
            var offline = signature.Verify(mutated);
            // Offline, only a mutation confined to the tag's characters may pass, and then with the original claims.
            if (offline.IsValid) Assert.Equal(signature.Verify(text), offline);
        }
    }
}
