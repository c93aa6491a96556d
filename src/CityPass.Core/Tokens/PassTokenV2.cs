using System.Buffers.Binary;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;

namespace CityPass.Core.Tokens;

/// <summary>
/// Pass token format v2 (docs/pass-token.md is the reference):
/// <c>"CP2:" + Base45(header[31] || signature[64] || sealed[22] || tag[16])</c>, 204 characters like v1.
/// The header (the shared head and the token id) is all anyone but the issuer can read; the signature covers
/// <c>"CP2:" || header</c>. The status version, the credentials and the pseudonym are sealed with AES-GCM
/// (<see cref="PassSeal"/>) whose associated data is <c>"CP2:" || header || signature</c>, so its tag, the issuer's
/// check, covers every byte of the pass: it takes the place of v1's HMAC tag.
/// </summary>
public static class PassTokenV2
{
    public const string Prefix = "CP2:";
    internal static ReadOnlySpan<byte> PrefixBytes => "CP2:"u8;

    public const int HeaderLength = 31;
    public const int SignatureOffset = HeaderLength;
    public const int SealedOffset = SignatureOffset + PassTokenFormat.SignatureLength;
    public const int SealedLength = 22;
    public const int TagOffset = SealedOffset + SealedLength;

    // Header offsets after the shared head (PassTokenFormat).
    internal const int TokenIdOffset = PassTokenFormat.HeadLength;   // 16 bytes: random per pass, the seal's nonce material

    // The sealed facts, in clear before sealing.
    internal const int SealedStatusVersionOffset = 0;   // 4 bytes
    internal const int SealedCredentialsOffset = 4;     // 2 bytes: Credentials bits
    internal const int SealedPseudonymOffset = 6;       // 16 bytes

    // Regions of the buffer (prefix || payload).
    internal const int SignedLength = PassTokenFormat.PrefixLength + HeaderLength;                 // "CP2:" || header
    internal const int AssociatedLength = SignedLength + PassTokenFormat.SignatureLength;         // "CP2:" || header || signature
    private const int SealedStart = PassTokenFormat.PayloadStart + SealedOffset;
    private const int TagStart = PassTokenFormat.PayloadStart + TagOffset;

    /// <summary>Writes a whole v2 pass into <paramref name="buffer"/>: header, signature, then the seal over both.</summary>
    internal static void Write(Span<byte> buffer, in PassFields fields, in CitizenPassState citizen, SigningKey signingKey, IssuerSecret secret)
    {
        PrefixBytes.CopyTo(buffer);
        var header = buffer.Slice(PassTokenFormat.PayloadStart, HeaderLength);
        PassTokenFormat.WriteHead(header, fields);
        fields.TokenId.Write(header[TokenIdOffset..]);
        signingKey.Sign(buffer[..SignedLength], buffer.Slice(SignedLength, PassTokenFormat.SignatureLength));
        Span<byte> facts = stackalloc byte[SealedLength];
        WriteFacts(facts, citizen);
        Seal(buffer, secret, fields.TokenId, facts);
    }

    /// <summary>The plaintext of the seal: status version, credentials, pseudonym.</summary>
    internal static void WriteFacts(Span<byte> facts, in CitizenPassState citizen)
    {
        BinaryPrimitives.WriteUInt32BigEndian(facts[SealedStatusVersionOffset..], citizen.StatusVersion);
        BinaryPrimitives.WriteUInt16BigEndian(facts[SealedCredentialsOffset..], (ushort)citizen.Credentials);
        citizen.Pseudonym.Write(facts[SealedPseudonymOffset..]);
    }

    /// <summary>Seals <paramref name="facts"/> over the prefix, header and signature already in <paramref name="buffer"/>.</summary>
    internal static void Seal(Span<byte> buffer, IssuerSecret secret, TokenId tokenId, ReadOnlySpan<byte> facts) =>
        PassSeal.Seal(secret.SealKey, tokenId, buffer[..AssociatedLength], facts,
            buffer.Slice(SealedStart, SealedLength), buffer.Slice(TagStart, PassTokenFormat.TagLength));

    internal static TokenFailure Read(ReadOnlySpan<byte> payload, out PassFields fields) =>
        PassTokenFormat.ReadHead(payload, PassFormat.V2, TokenId.Read(payload[TokenIdOffset..]), out fields);

    /// <summary>The issuer's check: the seal opens only if no byte of the pass changed; then it says who and what.</summary>
    internal static bool TryOpen(ReadOnlySpan<byte> buffer, in PassFields fields, IssuerSecret secret, out CitizenFacts facts)
    {
        facts = default;
        Span<byte> plain = stackalloc byte[SealedLength];
        if (!PassSeal.TryOpen(secret.SealKey, fields.TokenId, buffer[..AssociatedLength], buffer.Slice(SealedStart, SealedLength),
                buffer.Slice(TagStart, PassTokenFormat.TagLength), plain))
        {
            return false;
        }
        facts = new CitizenFacts(
            BinaryPrimitives.ReadUInt32BigEndian(plain[SealedStatusVersionOffset..]),
            (Credentials)BinaryPrimitives.ReadUInt16BigEndian(plain[SealedCredentialsOffset..]),
            CitizenPseudonym.Read(plain[SealedPseudonymOffset..]));
        return true;
    }
}
