using System.Buffers.Binary;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;

namespace CityPass.Core.Tokens;

/// <summary>
/// What every pass text shares, whatever its version (docs/pass-token.md is the reference):
/// <c>"CP" + version + ":" + Base45(payload)</c> with a 133-byte payload, so every pass is exactly 204 characters.
/// Both versions open the payload with the same 15-byte head (suite .. colour); <see cref="PassTokenV1"/> and
/// <see cref="PassTokenV2"/> lay out the rest. All integers big-endian.
/// </summary>
public static class PassTokenFormat
{
    public const int PrefixLength = 4;
    public const int SignatureLength = 64;
    public const int TagLength = 16;
    public const int PayloadLength = 133;

    /// <summary>The exact length of every pass, v1 or v2.</summary>
    public const int TextLength = PrefixLength + (PayloadLength / 2 * 3) + (PayloadLength % 2 * 2);

    /// <summary>Text longer than this is refused unread (too_large); shorter wrong lengths are malformed.</summary>
    public const int MaxTextLength = 512;

    // The head both versions share.
    internal const int SuiteOffset = 0;           // 1 byte: SignatureSuite
    internal const int IssuerOffset = 1;          // 4 bytes: GB/T 2260 division code
    internal const int KeyIdOffset = 5;           // 2 bytes: signing key id
    internal const int SecretIdOffset = 7;        // 1 byte: issuer secret id (v2: the seal; v1: MAC + pseudonym cipher)
    internal const int IssuedAtOffset = 8;        // 4 bytes: Unix seconds
    internal const int LifetimeOffset = 12;       // 2 bytes: seconds; expiry = issued-at + lifetime
    internal const int ColourOffset = 14;         // 1 byte: StatusColour
    internal const int HeadLength = 15;

    // The verification buffer holds the prefix bytes followed by the payload, so the signed and
    // authenticated regions are contiguous spans from its start.
    internal const int BufferLength = PrefixLength + PayloadLength;
    internal const int PayloadStart = PrefixLength;

    public static string Prefix(PassFormat format) => format switch
    {
        PassFormat.V1 => PassTokenV1.Prefix,
        PassFormat.V2 => PassTokenV2.Prefix,
    };

    /// <summary>How many bytes of the buffer (prefix || payload) the signature covers; the signature follows them.</summary>
    internal static int SignedLength(PassFormat format) => format switch
    {
        PassFormat.V1 => PassTokenV1.SignedLength,
        PassFormat.V2 => PassTokenV2.SignedLength,
    };

    internal static void WriteHead(Span<byte> payload, in PassFields fields)
    {
        payload[SuiteOffset] = (byte)fields.Suite;
        BinaryPrimitives.WriteUInt32BigEndian(payload[IssuerOffset..], fields.Issuer.Code);
        BinaryPrimitives.WriteUInt16BigEndian(payload[KeyIdOffset..], fields.KeyId);
        payload[SecretIdOffset] = fields.SecretId;
        BinaryPrimitives.WriteUInt32BigEndian(payload[IssuedAtOffset..], fields.IssuedAtSeconds);
        BinaryPrimitives.WriteUInt16BigEndian(payload[LifetimeOffset..], fields.LifetimeSeconds);
        payload[ColourOffset] = (byte)fields.Colour;
    }

    /// <summary>Reads the shared head; only checks what the layout itself rules out. The version's reader adds the rest.</summary>
    internal static TokenFailure ReadHead(ReadOnlySpan<byte> payload, PassFormat format, TokenId tokenId, out PassFields fields)
    {
        fields = default;
        var suite = payload[SuiteOffset];
        if (!SignatureSuiteExtensions.IsDefined(suite)) return TokenFailure.UnsupportedSuite;
        var colour = payload[ColourOffset];
        if (colour > (byte)StatusColour.Red) return TokenFailure.Malformed;
        var lifetime = BinaryPrimitives.ReadUInt16BigEndian(payload[LifetimeOffset..]);
        if (lifetime == 0) return TokenFailure.Malformed;
        fields = new PassFields(
            format,
            (SignatureSuite)suite,
            new IssuerId(BinaryPrimitives.ReadUInt32BigEndian(payload[IssuerOffset..])),
            BinaryPrimitives.ReadUInt16BigEndian(payload[KeyIdOffset..]),
            payload[SecretIdOffset],
            BinaryPrimitives.ReadUInt32BigEndian(payload[IssuedAtOffset..]),
            lifetime,
            (StatusColour)colour,
            tokenId,
            StatusVersion: null,
            Credentials: null);
        return TokenFailure.None;
    }

    /// <summary>
    /// Checks the text's shape and decodes it into <paramref name="buffer"/> (prefix bytes, then
    /// the payload). Allocates nothing.
    /// </summary>
    internal static TokenFailure Decode(ReadOnlySpan<char> text, Span<byte> buffer, out PassFormat format)
    {
        format = default;
        if (text.Length > MaxTextLength) return TokenFailure.TooLarge;
        var version = CheckPrefix(text, out format);
        if (version != TokenFailure.None) return version;
        if (text.Length != TextLength) return TokenFailure.Malformed;
        for (var i = 0; i < PrefixLength; i++) buffer[i] = (byte)text[i];
        if (!Base45.TryDecode(text[PrefixLength..], buffer[PayloadStart..], out var written) || written != PayloadLength) return TokenFailure.Malformed;
        return TokenFailure.None;
    }

    // "CP1:" and "CP2:" are the versions we read; "CP" + digits + ":" is one we don't know; anything else isn't a pass.
    private static TokenFailure CheckPrefix(ReadOnlySpan<char> text, out PassFormat format)
    {
        format = default;
        if (text.StartsWith(PassTokenV2.Prefix, StringComparison.Ordinal)) format = PassFormat.V2;
        else if (text.StartsWith(PassTokenV1.Prefix, StringComparison.Ordinal)) format = PassFormat.V1;
        if (format != default) return TokenFailure.None;
        if (!text.StartsWith("CP", StringComparison.Ordinal)) return TokenFailure.Malformed;
        var digits = 0;
        while (2 + digits < text.Length && digits < 3 && char.IsAsciiDigit(text[2 + digits])) digits++;
        return digits > 0 && 2 + digits < text.Length && text[2 + digits] == ':' ? TokenFailure.UnsupportedVersion : TokenFailure.Malformed;
    }
}

/// <summary>The clear fields of a pass, before anything in it is trusted.</summary>
/// <param name="StatusVersion">In clear in v1 only; null where the pass seals it (v2).</param>
/// <param name="Credentials">In clear in v1 only; null where the pass seals them (v2).</param>
internal readonly record struct PassFields(
    PassFormat Format,
    SignatureSuite Suite,
    IssuerId Issuer,
    ushort KeyId,
    byte SecretId,
    uint IssuedAtSeconds,
    ushort LifetimeSeconds,
    StatusColour Colour,
    TokenId TokenId,
    uint? StatusVersion,
    Credentials? Credentials)
{
    public DateTimeOffset IssuedAt => DateTimeOffset.FromUnixTimeSeconds(IssuedAtSeconds);

    public DateTimeOffset ExpiresAt => DateTimeOffset.FromUnixTimeSeconds((long)IssuedAtSeconds + LifetimeSeconds);
}

/// <summary>What only the issuer reads from a pass: its secret opens (v2) or decrypts (v1) them.</summary>
internal readonly record struct CitizenFacts(uint StatusVersion, Credentials Credentials, CitizenPseudonym Pseudonym);
