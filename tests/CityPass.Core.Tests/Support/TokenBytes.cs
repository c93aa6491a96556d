using CityPass.Core.Tokens;

namespace CityPass.Core.Tests.Support;

/// <summary>Edits the payload of a token and re-encodes it: how tests tamper at the byte level.</summary>
public static class TokenBytes
{
    public static byte[] Payload(string text)
    {
        var payload = new byte[PassTokenFormat.PayloadLength];
        Assert.True(Base45.TryDecode(text.AsSpan(4), payload, out var written));
        Assert.Equal(PassTokenFormat.PayloadLength, written);
        return payload;
    }

    public static string Encode(ReadOnlySpan<byte> payload) => PassTokenFormat.Prefix + Base45.Encode(payload);

    public static string Rewrite(string text, Action<byte[]> edit)
    {
        var payload = Payload(text);
        edit(payload);
        return Encode(payload);
    }
}
