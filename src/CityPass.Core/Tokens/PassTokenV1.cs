using System.Buffers.Binary;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;

namespace CityPass.Core.Tokens;

/// <summary>
/// Pass token format v1, read during the transition to v2 and no longer issued (only the test vectors make one):
/// <c>"CP1:" + Base45(body[53] || signature[64] || tag[16])</c>. The status version and the credentials travel in
/// clear, which is why v2 exists (docs/pass-token.md, issue 19).
/// </summary>
public static class PassTokenV1
{
    public const string Prefix = "CP1:";
    internal static ReadOnlySpan<byte> PrefixBytes => "CP1:"u8;

    public const int BodyLength = 53;
    public const int SignatureOffset = BodyLength;
    public const int TagOffset = BodyLength + PassTokenFormat.SignatureLength;

    // Body offsets after the shared head (PassTokenFormat).
    internal const int StatusVersionOffset = 15;  // 4 bytes
    internal const int CredentialsOffset = 19;    // 2 bytes: Credentials bits
    internal const int TokenIdOffset = 21;        // 16 bytes: random per pass
    internal const int PseudonymOffset = 37;      // 16 bytes: pseudonym XOR keystream(token id)

    // Regions of the buffer (prefix || payload).
    internal const int SignedLength = PassTokenFormat.PrefixLength + BodyLength;              // prefix || body
    internal const int TaggedLength = SignedLength + PassTokenFormat.SignatureLength;        // prefix || body || signature

    /// <summary>Writes a whole v1 pass into <paramref name="buffer"/>: body, signature, tag.</summary>
    internal static void Write(Span<byte> buffer, in PassFields fields, in CitizenPassState citizen, SigningKey signingKey, IssuerSecret secret)
    {
        PrefixBytes.CopyTo(buffer);
        var body = buffer.Slice(PassTokenFormat.PayloadStart, BodyLength);
        PassTokenFormat.WriteHead(body, fields);
        BinaryPrimitives.WriteUInt32BigEndian(body[StatusVersionOffset..], citizen.StatusVersion);
        BinaryPrimitives.WriteUInt16BigEndian(body[CredentialsOffset..], (ushort)citizen.Credentials);
        fields.TokenId.Write(body[TokenIdOffset..]);
        BinaryPrimitives.WriteUInt128BigEndian(body[PseudonymOffset..], citizen.Pseudonym.Value ^ PassCrypto.Keystream(secret.PseudonymKey, fields.TokenId));
        signingKey.Sign(buffer[..SignedLength], buffer.Slice(SignedLength, PassTokenFormat.SignatureLength));
        PassCrypto.ComputeTag(secret.MacKey, buffer[..TaggedLength], buffer.Slice(TaggedLength, PassTokenFormat.TagLength));
    }

    internal static TokenFailure Read(ReadOnlySpan<byte> payload, out PassFields fields)
    {
        var failure = PassTokenFormat.ReadHead(payload, PassFormat.V1, TokenId.Read(payload[TokenIdOffset..]), out fields);
        if (failure != TokenFailure.None) return failure;
        fields = fields with
        {
            StatusVersion = BinaryPrimitives.ReadUInt32BigEndian(payload[StatusVersionOffset..]),
            Credentials = (Credentials)BinaryPrimitives.ReadUInt16BigEndian(payload[CredentialsOffset..]),
        };
        return TokenFailure.None;
    }

    /// <summary>The issuer's check: the tag over prefix, body and signature; then the pseudonym is decrypted.</summary>
    internal static bool TryOpen(ReadOnlySpan<byte> buffer, in PassFields fields, IssuerSecret secret, out CitizenFacts facts)
    {
        facts = default;
        if (!PassCrypto.TagMatches(secret.MacKey, buffer[..TaggedLength], buffer.Slice(TaggedLength, PassTokenFormat.TagLength))) return false;
        var encrypted = BinaryPrimitives.ReadUInt128BigEndian(buffer[(PassTokenFormat.PayloadStart + PseudonymOffset)..]);
        facts = new CitizenFacts(fields.StatusVersion!.Value, fields.Credentials!.Value,
            new CitizenPseudonym(encrypted ^ PassCrypto.Keystream(secret.PseudonymKey, fields.TokenId)));
        return true;
    }
}
