using System.Numerics;
using CityPass.Core.Tokens;

namespace CityPass.Testing;

/// <summary>
/// ECDSA's malleability, made on purpose: for a valid signature (r, s), (r, n − s) is valid too. The
/// twin of an ES256 pass (v1 or v2) carries the same signed header (same token id) under other signature bytes.
/// </summary>
public static class SignatureTwin
{
    /// <summary>The order of the P-256 group.</summary>
    public static readonly BigInteger P256Order = BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The pass with s replaced by n − s (the tag or seal is left as it is: it no longer matches).</summary>
    public static string Of(string passText)
    {
        var payload = Payload(passText);
        var s = payload.AsSpan(SOffset(passText), 32);
        var twin = P256Order - S(passText);
        s.Clear();
        twin.TryWriteBytes(s[(32 - twin.GetByteCount(isUnsigned: true))..], out _, isUnsigned: true, isBigEndian: true);
        return passText[..PassTokenFormat.PrefixLength] + Base45.Encode(payload);
    }

    /// <summary>The s half of the pass's signature.</summary>
    public static BigInteger S(string passText) => new(Payload(passText).AsSpan(SOffset(passText), 32), isUnsigned: true, isBigEndian: true);

    private static int SOffset(string passText) =>
        (passText.StartsWith(PassTokenV1.Prefix, StringComparison.Ordinal) ? PassTokenV1.SignatureOffset : PassTokenV2.SignatureOffset) + 32;

    private static byte[] Payload(string passText)
    {
        var payload = new byte[PassTokenFormat.PayloadLength];
        if (!Base45.TryDecode(passText.AsSpan(PassTokenFormat.PrefixLength), payload, out var written) || written != payload.Length)
        {
            throw new ArgumentException("Not a pass.", nameof(passText));
        }
        return payload;
    }
}
