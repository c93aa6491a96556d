using System.Numerics;
using CityPass.Core.Tokens;

namespace CityPass.Testing;

/// <summary>
/// ECDSA's malleability, made on purpose: for a valid signature (r, s), (r, n − s) is valid too. The
/// twin of an ES256 pass carries the same signed body (same token id) under other signature bytes.
/// </summary>
public static class SignatureTwin
{
    /// <summary>The order of the P-256 group.</summary>
    public static readonly BigInteger P256Order = BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The pass with s replaced by n − s (the tag is left as it is: it no longer matches).</summary>
    public static string Of(string passText)
    {
        var payload = new byte[PassTokenFormat.PayloadLength];
        if (!Base45.TryDecode(passText.AsSpan(PassTokenFormat.Prefix.Length), payload, out var written) || written != payload.Length)
        {
            throw new ArgumentException("Not a CP1 pass.", nameof(passText));
        }
        var s = payload.AsSpan(PassTokenFormat.BodyLength + 32, 32);
        var twin = P256Order - S(payload);
        s.Clear();
        twin.TryWriteBytes(s[(32 - twin.GetByteCount(isUnsigned: true))..], out _, isUnsigned: true, isBigEndian: true);
        return PassTokenFormat.Prefix + Base45.Encode(payload);
    }

    /// <summary>The s half of the pass's signature.</summary>
    public static BigInteger S(string passText)
    {
        var payload = new byte[PassTokenFormat.PayloadLength];
        return Base45.TryDecode(passText.AsSpan(PassTokenFormat.Prefix.Length), payload, out _) ? S(payload) : throw new ArgumentException("Not a CP1 pass.", nameof(passText));
    }

    private static BigInteger S(byte[] payload) => new(payload.AsSpan(PassTokenFormat.BodyLength + 32, 32), isUnsigned: true, isBigEndian: true);
}
