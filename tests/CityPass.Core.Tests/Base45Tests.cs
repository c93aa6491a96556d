using System.Text;
using CityPass.Core.Tokens;
using FsCheck;
using FsCheck.Fluent;

namespace CityPass.Core.Tests;

public class Base45Tests
{
    // The examples of RFC 9285 section 4.
    [Theory]
    [InlineData("AB", "BB8")]
    [InlineData("Hello!!", "%69 VD92EX0")]
    [InlineData("base-45", "UJCLQE7W581")]
    [InlineData("ietf!", "QED8WEX0")]
    [InlineData("", "")]
    public void EncodesAndDecodesTheRfcExamples(string text, string encoded)
    {
        Assert.Equal(encoded, Base45.Encode(Encoding.ASCII.GetBytes(text)));
        var buffer = new byte[64];
        Assert.True(Base45.TryDecode(encoded, buffer, out var written));
        Assert.Equal(text, Encoding.ASCII.GetString(buffer, 0, written));
    }

    [Theory]
    [InlineData("GGW")]   // 65535 + 1: the three-character group overflows 16 bits
    [InlineData("::")]    // two characters above 255
    [InlineData("A")]     // a length no encoder makes
    [InlineData("ABCD")]
    [InlineData("ab8")]   // lower case is not in the alphabet
    [InlineData("BB\u00e9")]
    [InlineData("BB#")]
    public void RejectsTextNoEncoderMakes(string text) => Assert.False(Base45.TryDecode(text, new byte[64], out _));

    [Fact]
    public void RejectsADestinationThatIsTooSmall() => Assert.False(Base45.TryDecode("%69 VD92EX0", new byte[6], out _));

    [Fact]
    public void EveryByteStringRoundTrips() =>
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            var text = Base45.Encode(bytes);
            var buffer = new byte[bytes.Length];
            return text.Length == Base45.GetEncodedLength(bytes.Length)
                && text.All(c => Base45.Alphabet.Contains(c, StringComparison.Ordinal))
                && Base45.TryDecode(text, buffer, out var written)
                && buffer.AsSpan(0, written).SequenceEqual(bytes);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void EncodingIsCanonical() =>
        // Every text that decodes re-encodes to itself: no two texts carry the same bytes, so a
        // changed character always changes the payload the signature and tag see.
        Prop.ForAll(Gen.Elements(Base45.Alphabet.ToCharArray()).ArrayOf().Select(c => new string(c)).ToArbitrary(), text =>
        {
            var buffer = new byte[text.Length];
            return !Base45.TryDecode(text, buffer, out var written) || Base45.Encode(buffer.AsSpan(0, written)) == text;
        }).QuickCheckThrowOnFailure();
}
