using CityPass.Core.Tokens;

namespace CityPass.Core.Tests.Support;

/// <summary>Edits the payload of a token and re-encodes it: how tests tamper at the byte level.</summary>
public static class TokenBytes
{
    public static byte[] Payload(string text)
    {
        var payload = new byte[PassTokenFormat.PayloadLength];
        Assert.True(Base45.TryDecode(text.AsSpan(PassTokenFormat.PrefixLength), payload, out var written));
        Assert.Equal(PassTokenFormat.PayloadLength, written);
        return payload;
    }

    public static string Encode(ReadOnlySpan<byte> payload, string prefix = PassTokenV2.Prefix) => prefix + Base45.Encode(payload);

    /// <summary>The prefix and payload as the verifier lays them out: what the signature and the seal cover.</summary>
    public static byte[] Buffer(string text) => [.. text[..PassTokenFormat.PrefixLength].Select(c => (byte)c), .. Payload(text)];

    public static string Rewrite(string text, Action<byte[]> edit)
    {
        var payload = Payload(text);
        edit(payload);
        return Encode(payload, text[..PassTokenFormat.PrefixLength]);
    }
}
