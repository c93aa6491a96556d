using System.Buffers.Binary;
using CityPass.Core.Citizens;

namespace CityPass.Core.Tokens;

/// <summary>
/// Pass token format v1 (docs/pass-token.md is the reference):
/// <c>"CP1:" + Base45(body[53] || signature[64] || tag[16])</c>, always 204 characters.
/// All integers big-endian.
/// </summary>
public static class PassTokenFormat
{
    public const string Prefix = "CP1:";
    internal static ReadOnlySpan<byte> PrefixBytes => "CP1:"u8;

    public const int BodyLength = 53;
    public const int SignatureLength = 64;
    public const int TagLength = 16;
    public const int PayloadLength = BodyLength + SignatureLength + TagLength;

    /// <summary>The exact length of every v1 token.</summary>
    public const int TextLength = 4 + (PayloadLength / 2 * 3) + (PayloadLength % 2 * 2);

    /// <summary>Text longer than this is refused unread (too_large); shorter wrong lengths are malformed.</summary>
    public const int MaxTextLength = 512;

    // Body offsets.
    internal const int SuiteOffset = 0;           // 1 byte: SignatureSuite
    internal const int IssuerOffset = 1;          // 4 bytes: GB/T 2260 division code
    internal const int KeyIdOffset = 5;           // 2 bytes: signing key id
    internal const int SecretIdOffset = 7;        // 1 byte: issuer secret id (MAC + pseudonym cipher)
    internal const int IssuedAtOffset = 8;        // 4 bytes: Unix seconds
    internal const int LifetimeOffset = 12;       // 2 bytes: seconds; expiry = issued-at + lifetime
    internal const int ColourOffset = 14;         // 1 byte: StatusColour
    internal const int StatusVersionOffset = 15;  // 4 bytes
    internal const int CredentialsOffset = 19;    // 2 bytes: Credentials bits
    internal const int TokenIdOffset = 21;        // 16 bytes: random per pass
    internal const int PseudonymOffset = 37;      // 16 bytes: pseudonym XOR keystream(token id)

    // Offsets in the verification buffer, which holds the prefix bytes followed by the payload,
    // so the signed and tagged regions are contiguous spans.
    internal const int BufferLength = 4 + PayloadLength;
    internal const int BodyStart = 4;
    internal const int SignedLength = 4 + BodyLength;            // prefix || body
    internal const int TaggedLength = SignedLength + SignatureLength; // prefix || body || signature

    internal static void WriteBody(Span<byte> body, in PassFields fields)
    {
        body[SuiteOffset] = (byte)fields.Suite;
        BinaryPrimitives.WriteUInt32BigEndian(body[IssuerOffset..], fields.Issuer.Code);
        BinaryPrimitives.WriteUInt16BigEndian(body[KeyIdOffset..], fields.KeyId);
        body[SecretIdOffset] = fields.SecretId;
        BinaryPrimitives.WriteUInt32BigEndian(body[IssuedAtOffset..], fields.IssuedAtSeconds);
        BinaryPrimitives.WriteUInt16BigEndian(body[LifetimeOffset..], fields.LifetimeSeconds);
        body[ColourOffset] = (byte)fields.Colour;
        BinaryPrimitives.WriteUInt32BigEndian(body[StatusVersionOffset..], fields.StatusVersion);
        BinaryPrimitives.WriteUInt16BigEndian(body[CredentialsOffset..], (ushort)fields.Credentials);
        fields.TokenId.Write(body[TokenIdOffset..]);
        BinaryPrimitives.WriteUInt128BigEndian(body[PseudonymOffset..], fields.EncryptedPseudonym);
    }

    /// <summary>Reads the body's fields; only checks what the layout itself rules out.</summary>
    internal static TokenFailure ReadBody(ReadOnlySpan<byte> body, out PassFields fields)
    {
        fields = default;
        var suite = body[SuiteOffset];
        if (!SignatureSuiteExtensions.IsDefined(suite)) return TokenFailure.UnsupportedSuite;
        var colour = body[ColourOffset];
        if (colour > (byte)StatusColour.Red) return TokenFailure.Malformed;
        var lifetime = BinaryPrimitives.ReadUInt16BigEndian(body[LifetimeOffset..]);
        if (lifetime == 0) return TokenFailure.Malformed;
        fields = new PassFields(
            (SignatureSuite)suite,
            new IssuerId(BinaryPrimitives.ReadUInt32BigEndian(body[IssuerOffset..])),
            BinaryPrimitives.ReadUInt16BigEndian(body[KeyIdOffset..]),
            body[SecretIdOffset],
            BinaryPrimitives.ReadUInt32BigEndian(body[IssuedAtOffset..]),
            lifetime,
            (StatusColour)colour,
            BinaryPrimitives.ReadUInt32BigEndian(body[StatusVersionOffset..]),
            (Credentials)BinaryPrimitives.ReadUInt16BigEndian(body[CredentialsOffset..]),
            TokenId.Read(body[TokenIdOffset..]),
            BinaryPrimitives.ReadUInt128BigEndian(body[PseudonymOffset..]));
        return TokenFailure.None;
    }

    /// <summary>
    /// Checks the text's shape and decodes it into <paramref name="buffer"/> (prefix bytes, then
    /// the payload). Allocates nothing.
    /// </summary>
    internal static TokenFailure Decode(ReadOnlySpan<char> text, Span<byte> buffer)
    {
        if (text.Length > MaxTextLength) return TokenFailure.TooLarge;
        var version = CheckPrefix(text);
        if (version != TokenFailure.None) return version;
        if (text.Length != TextLength) return TokenFailure.Malformed;
        PrefixBytes.CopyTo(buffer);
        if (!Base45.TryDecode(text[4..], buffer[BodyStart..], out var written) || written != PayloadLength) return TokenFailure.Malformed;
        return TokenFailure.None;
    }

    // "CP1:" is this version; "CP" + digits + ":" is a version we don't know; anything else isn't a pass.
    private static TokenFailure CheckPrefix(ReadOnlySpan<char> text)
    {
        if (text.StartsWith(Prefix, StringComparison.Ordinal)) return TokenFailure.None;
        if (!text.StartsWith("CP", StringComparison.Ordinal)) return TokenFailure.Malformed;
        var digits = 0;
        while (2 + digits < text.Length && digits < 3 && char.IsAsciiDigit(text[2 + digits])) digits++;
        return digits > 0 && 2 + digits < text.Length && text[2 + digits] == ':' ? TokenFailure.UnsupportedVersion : TokenFailure.Malformed;
    }
}

/// <summary>The raw fields of a token body, before anything in it is trusted.</summary>
internal readonly record struct PassFields(
    SignatureSuite Suite,
    IssuerId Issuer,
    ushort KeyId,
    byte SecretId,
    uint IssuedAtSeconds,
    ushort LifetimeSeconds,
    StatusColour Colour,
    uint StatusVersion,
    Credentials Credentials,
    TokenId TokenId,
    UInt128 EncryptedPseudonym)
{
    public DateTimeOffset IssuedAt => DateTimeOffset.FromUnixTimeSeconds(IssuedAtSeconds);

    public DateTimeOffset ExpiresAt => DateTimeOffset.FromUnixTimeSeconds((long)IssuedAtSeconds + LifetimeSeconds);
}
